package io.sslwrite.examples;

import io.sslwrite.testing.NamedCertificates;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §3.2 through the demo, as an operator runs it: two {@code HttpsServer} processes given one
 * {@code --ticket-keys} file resume each other's TLS 1.2 sessions ({@code openssl s_client -sess_out} against
 * one, {@code -sess_in} against the other prints "Reused"), and a server whose {@code --cert}/{@code --key}
 * files are replaced prints one line and presents the new certificate, without a restart; files that do not
 * load print one line with the reason and change nothing.
 */
class FleetDemoTest {

    private static final Pattern URL = Pattern.compile("on https://localhost:(\\d+)/");

    @TempDir
    Path dir;

    private final List<Demo> demos = new ArrayList<>();

    @AfterEach
    void stopDemos() throws InterruptedException {
        for (Demo demo : demos) {
            demo.process.destroy();
            demo.process.waitFor(Waits.GUARD_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void twoDemoProcessesSharingATicketKeyFileResumeEachOthersSessions() throws Exception {
        Path ticketKey = dir.resolve("ticket.key");
        byte[] key = new byte[80];
        new SecureRandom().nextBytes(key);
        Files.write(ticketKey, key);
        Demo first = start("--ticket-keys", ticketKey.toString());
        Demo second = start("--ticket-keys", ticketKey.toString());
        Path session = dir.resolve("session.pem");

        String full = sClient(first.port, "-sess_out", session.toString());
        assertTrue(full.contains("New, TLSv1.2"), full);
        String resumed = sClient(second.port, "-sess_in", session.toString());
        assertTrue(resumed.contains("Reused, TLSv1.2"), "the other process resumed the ticket\n" + resumed);
    }

    @Test
    void theDemoReloadsItsCertificateWhenTheFilesChangeAndSaysWhyWhenTheyDoNotLoad() throws Exception {
        Path cert = copy(TestPki.serverCertPem().toPath(), dir.resolve("cert.pem"));
        Path key = copy(TestPki.serverKeyPem().toPath(), dir.resolve("key.pem"));
        Demo demo = start("--cert", cert.toString(), "--key", key.toString());
        assertEquals(fingerprint(TestPki.serverChain()[0]), served(demo.port));

        NamedCertificates.Issued renewed = NamedCertificates.ec("localhost");
        copy(renewed.chainPem().toPath(), cert);
        copy(renewed.keyPem().toPath(), key);
        demo.awaitLine("certificate reloaded from " + cert);
        assertEquals(fingerprint(renewed.leaf()), served(demo.port), "the new certificate, same process");

        Files.writeString(key, "not a key\n");
        String failure = demo.awaitLine("certificate reload() failed");
        assertTrue(failure.contains(key + ": no private key found"), failure);
        assertEquals(fingerprint(renewed.leaf()), served(demo.port), "the certificate in use stays");
    }

    /** A demo process on a free port; its port read from the banner. */
    private Demo start(String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HttpsServer.class.getName(), "--port", "0"));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Demo demo = new Demo(process);
        demos.add(demo);
        Matcher m = URL.matcher(demo.awaitLine("sslwrite demo: HTTPS through SslWriteHandler on"));
        assertTrue(m.find());
        demo.port = Integer.parseInt(m.group(1));
        return demo;
    }

    private static final class Demo {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();
        int port;

        Demo(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // The process was stopped.
                }
            }, "demo-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        /** The first line of the demo's output that contains {@code text}. */
        String awaitLine(String text) throws InterruptedException {
            Waits.awaitTrue(() -> lines.stream().anyMatch(l -> l.contains(text)), "the demo printing \"" + text
                    + "\"; it printed:\n" + String.join("\n", lines));
            return lines.stream().filter(l -> l.contains(text)).findFirst().orElseThrow();
        }
    }

    private static String sClient(int port, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-tls1_2"));
        command.addAll(List.of(extra));
        return run(command);
    }

    /** The SHA-256 fingerprint of the certificate s_client receives, as {@code openssl x509} prints it. */
    private static String served(int port) throws Exception {
        String out = run(List.of("sh", "-c", "openssl s_client -connect 127.0.0.1:" + port
                + " -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"));
        int at = out.indexOf("Fingerprint=");
        assertTrue(at >= 0, "openssl printed a fingerprint\n" + out);
        return out.substring(at + "Fingerprint=".length()).trim();
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(Waits.GUARD_SECONDS, TimeUnit.SECONDS), String.join(" ", command) + " hangs");
        return out;
    }

    private static String fingerprint(X509Certificate certificate) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    }

    private static Path copy(Path source, Path target) {
        try {
            return Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
