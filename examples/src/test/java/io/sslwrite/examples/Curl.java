package io.sslwrite.examples;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One finished run of the real {@code curl}: its command, exit code, what {@code -w} printed and the
 * {@code -v} trace.
 *
 * <p>curl is required: without it the tests fail and say how to install it, since a skipped interop test
 * looks like a passing one.
 */
record Curl(List<String> command, int exitCode, String writeOut, String stderr) {

    /**
     * Runs curl trusting {@code ca} only, over HTTP/1.1, with {@code -v} for the negotiated protocol; its
     * standard output is what {@code -w} prints: the HTTP status and the certificate verification result
     * (0 when verified). Its output and trace go to files in {@code scratch}.
     *
     * @param hangGuard how long to wait before deciding the server hung: not a speed requirement
     */
    static Curl run(Path ca, Path scratch, Duration hangGuard, String... args) throws Exception {
        return run("--http1.1", ca, scratch, hangGuard, args);
    }

    /** As {@link #run(Path, Path, Duration, String...)}, with the HTTP version option given, e.g. "--http2". */
    static Curl run(String httpVersion, Path ca, Path scratch, Duration hangGuard, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", httpVersion, "-sS", "-v",
                "--cacert", ca.toString(), "-w", "%{http_code} %{ssl_verify_result}\\n"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(scratch, "curl", ".out");
        Path err = Files.createTempFile(scratch, "curl", ".err");
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
        } catch (IOException e) {
            fail("curl could not be started (" + e.getMessage() + "). These interop tests need the curl command"
                    + " line tool: install it (Debian/Ubuntu: apt-get install curl; macOS ships it) and run again.");
            throw new AssertionError(e);
        }
        if (!process.waitFor(hangGuard.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            fail("curl did not finish within " + hangGuard.toMinutes() + " minutes, so the server hung: "
                    + String.join(" ", command) + "\nstderr:\n" + Files.readString(err));
        }
        return new Curl(command, process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** curl succeeded, verified the server's certificate, got {@code status}, and negotiated {@code protocol}. */
    void assertResponse(int status, String protocol) {
        assertEquals(0, exitCode, "curl's exit code\n" + describe());
        assertEquals(status + " 0", writeOut.trim(), "HTTP status and certificate verification result\n" + describe());
        assertTrue(stderr.contains("SSL connection using " + protocol + " "), "negotiated " + protocol + "\n" + describe());
    }

    String describe() {
        return "command: " + String.join(" ", command) + "\nstdout: " + writeOut + "\nstderr:\n" + stderr;
    }
}
