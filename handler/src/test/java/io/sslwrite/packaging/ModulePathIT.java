package io.sslwrite.packaging;

import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The handler jar as a modular application sees it: its manifest names the module {@code io.sslwrite},
 * and a module that {@code requires io.sslwrite} compiles against the jar and runs a TLS handshake with
 * everything on the module path. Run by failsafe after {@code package}, on the jar itself; the build
 * passes the jar, its runtime class path and the consumer's sources as system properties.
 */
class ModulePathIT {

    private static final String MODULE_NAME = "io.sslwrite";
    private static final String CONSUMER_MAIN = "io.sslwrite.jpmsconsumer/io.sslwrite.jpmsconsumer.Main";
    /** A hang guard, not a timing assertion: the consumer takes about a second. */
    private static final long CONSUMER_LIMIT_SECONDS = 180;

    @Test
    void theJarManifestNamesTheModuleIoSslwrite() throws IOException {
        try (JarFile jar = new JarFile(handlerJar().toFile())) {
            assertEquals(MODULE_NAME, jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"),
                    "Automatic-Module-Name in " + handlerJar());
        }
    }

    @Test
    void aModuleThatRequiresIoSslwriteHandshakesOnTheModulePath(@TempDir Path work) throws Exception {
        String modulePath = Stream.concat(Stream.of(handlerJar()), runtimeClasspath().stream())
                .map(Path::toString).collect(Collectors.joining(File.pathSeparator));
        Path classes = work.resolve("classes");

        List<String> javacArgs = new ArrayList<>(List.of(
                "--release", "17", "--module-path", modulePath, "-d", classes.toString(), "-Xlint:all"));
        try (Stream<Path> files = Files.walk(consumerSources())) {
            files.filter(p -> p.toString().endsWith(".java")).map(Path::toString).forEach(javacArgs::add);
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream javacOutput = new ByteArrayOutputStream();
        int javacStatus = javac.run(null, javacOutput, javacOutput, javacArgs.toArray(String[]::new));
        assertEquals(0, javacStatus, "javac " + javacArgs + "\n" + javacOutput.toString(StandardCharsets.UTF_8));

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process consumer = new ProcessBuilder(java.toString(),
                "-Dio.netty.leakDetection.level=PARANOID",
                "--module-path", classes + File.pathSeparator + modulePath,
                "-m", CONSUMER_MAIN,
                TestPki.serverCertPem().getPath(), TestPki.serverKeyPem().getPath(), TestPki.caPem().getPath())
                .redirectErrorStream(true)
                .start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(consumer.getInputStream()));
        if (!consumer.waitFor(CONSUMER_LIMIT_SECONDS, TimeUnit.SECONDS)) {
            consumer.destroyForcibly();
            fail("the consumer did not end within " + CONSUMER_LIMIT_SECONDS + " s; it printed:\n"
                    + output.get(10, TimeUnit.SECONDS));
        }
        String printed = output.get(10, TimeUnit.SECONDS);
        assertEquals(0, consumer.exitValue(), "the consumer's exit status; it printed:\n" + printed);
        assertTrue(printed.contains("module io.sslwrite: TLSv1.3 TLS_AES_128_GCM_SHA256, echoed: hello from the module path"),
                "the consumer's report line; it printed:\n" + printed);
        assertFalse(printed.contains("LEAK:"), "Netty reported a leaked buffer:\n" + printed);
    }

    private static Path handlerJar() {
        Path jar = Path.of(property("sslwrite.jar"));
        assertTrue(Files.isRegularFile(jar), "the handler jar " + jar + " is missing; run this test with mvn verify");
        return jar;
    }

    private static List<Path> runtimeClasspath() throws IOException {
        String text = Files.readString(Path.of(property("sslwrite.runtimeClasspathFile"))).trim();
        return Stream.of(text.split(File.pathSeparator)).filter(s -> !s.isEmpty()).map(Path::of)
                .collect(Collectors.toList());
    }

    private static Path consumerSources() {
        return Path.of(property("sslwrite.jpmsConsumerSources"));
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            fail("system property " + name + " is not set: this test runs under the handler's failsafe"
                    + " configuration (mvn verify)");
        }
        return value;
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
