package io.sslwrite.packaging;

import io.sslwrite.SslWriteContext;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * DESIGN §3 and §3.1: the public names are fixed (add, never rename). {@code public-api.txt}, beside this
 * class in the test resources, lists the signatures users compile against, one a line; this test fails
 * when one of them disappears or changes. New public API passes: fence it by adding its line.
 *
 * <p>To see the current signatures in the file's form:
 * {@code mvn -B -q -pl handler test -Dtest=PublicApiFenceTest -Dsslwrite.printApi=true}.
 */
class PublicApiFenceTest {

    private static final String FENCE = "public-api.txt";

    @Test
    void everyFencedSignatureIsStillPublicAndUnchanged() throws IOException {
        Set<String> current = ApiSignatures.of(SslWriteContext.class);
        if (Boolean.getBoolean("sslwrite.printApi")) {
            current.forEach(System.out::println);
        }
        List<String> missing = ApiSignatures.missing(fence(), current);
        if (!missing.isEmpty()) {
            fail("the public API lost or changed signatures that " + FENCE + " fences (DESIGN §3: add, never"
                    + " rename; keep the old signature beside a new one):\n" + String.join("\n", missing));
        }
    }

    @Test
    void theFenceHoldsTheDesignNames() throws IOException {
        // A guard against an emptied or truncated list, which would fence nothing.
        Set<String> fence = fence();
        for (String name : List.of("SslWriteContext.forClient()", "SslWriteHandler.handshakeFuture()",
                "SslWriteSession.renegotiations()", "SslWriteOption.DYNAMIC_RECORD_IDLE_MILLIS")) {
            assertTrue(fence.stream().anyMatch(line -> line.contains(name)), name + " is not in " + FENCE);
        }
    }

    @Test
    void aChangedReturnTypeIsReportedBesideWhatItBecame() {
        Set<String> current = new TreeSet<>(Set.of(
                "io.netty.util.concurrent.Future<io.netty.channel.Channel> io.sslwrite.SslWriteHandler.handshakeFuture()",
                "long io.sslwrite.SslWriteHandler.pendingOutboundBytes()"));
        Set<String> fenced = ApiSignatures.parse(Arrays.asList(
                "# a comment",
                "",
                "  io.netty.channel.ChannelFuture io.sslwrite.SslWriteHandler.handshakeFuture()  ",
                "long io.sslwrite.SslWriteHandler.pendingOutboundBytes()",
                "int io.sslwrite.SslWriteHandler.removed()"));
        assertEquals(List.of(
                "missing: io.netty.channel.ChannelFuture io.sslwrite.SslWriteHandler.handshakeFuture()",
                "    now: io.netty.util.concurrent.Future<io.netty.channel.Channel> io.sslwrite.SslWriteHandler.handshakeFuture()",
                "missing: int io.sslwrite.SslWriteHandler.removed()"),
                ApiSignatures.missing(fenced, current));
    }

    private static Set<String> fence() throws IOException {
        try (InputStream in = PublicApiFenceTest.class.getResourceAsStream(FENCE)) {
            assertNotNull(in, FENCE + " is missing from the test resources");
            return ApiSignatures.parse(Arrays.asList(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")));
        }
    }
}
