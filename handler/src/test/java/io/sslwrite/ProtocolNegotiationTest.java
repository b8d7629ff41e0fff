package io.sslwrite;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.sslwrite.testing.LeakDetectionExtension;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN §3.1: {@link SslWriteProtocolNegotiationHandler} sets up the pipeline for the ALPN protocol. */
@ExtendWith(LeakDetectionExtension.class)
class ProtocolNegotiationTest {

    /** Records what it was asked to configure and adds a marker handler for it. */
    private static final class Recorder extends SslWriteProtocolNegotiationHandler {
        final List<String> configured = new ArrayList<>();
        final List<Throwable> failures = new ArrayList<>();

        Recorder() {
            super("http/1.1");
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            configured.add(protocol);
            ctx.pipeline().addAfter(ctx.name(), "configured-" + protocol, new ChannelInboundHandlerAdapter());
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) throws Exception {
            failures.add(cause);
            super.handshakeFailure(ctx, cause);
        }
    }

    @Test
    void negotiatedProtocolConfiguresThePipelineAndTheHandlerRemovesItself() {
        Recorder server = new Recorder();
        try (TlsPair pair = TlsPair.builder()
                .client(b -> b.applicationProtocols("h2", "http/1.1"))
                .server(b -> b.applicationProtocols("h2", "http/1.1")).build()) {
            pair.server().pipeline().addAfter("ssl", "alpn", server);
            pair.handshake();

            assertEquals(List.of("h2"), server.configured);
            assertNull(pair.server().pipeline().get("alpn"), "removed itself");
            assertTrue(pair.server().pipeline().names().contains("configured-h2"));
            // The collector after it still saw the handshake event.
            assertTrue(pair.serverEvents().contains(SslHandshakeCompletionEvent.SUCCESS));

            pair.client().writeAndFlush(Unpooled.copiedBuffer("after", StandardCharsets.US_ASCII));
            pair.transfer();
            assertEquals("after", new String(pair.serverReceived(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void noAlpnFromThePeerGetsTheFallbackProtocol() {
        Recorder server = new Recorder();
        try (TlsPair pair = TlsPair.builder().server(b -> b.applicationProtocols("h2", "http/1.1")).build()) {
            pair.server().pipeline().addAfter("ssl", "alpn", server);
            pair.handshake();
            assertEquals(List.of("http/1.1"), server.configured);
        }
    }

    @Test
    void failedHandshakeClosesWithoutConfiguring() {
        Recorder server = new Recorder();
        // The client offers only TLS 1.2 suites the server does not have: handshake_failure.
        try (TlsPair pair = TlsPair.builder()
                .client(b -> b.protocols("TLSv1.2").cipherSuites("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"))
                .server(b -> b.protocols("TLSv1.2").cipherSuites("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"))
                .build()) {
            pair.server().pipeline().addAfter("ssl", "alpn", server);
            pair.transfer();
            assertTrue(server.configured.isEmpty());
            assertEquals(1, server.failures.size());
            assertFalse(pair.server().isOpen(), "the server closed");
        }
    }

    @Test
    void withoutAnSslWriteHandlerTheChannelClosesWithAnExceptionThatSaysWhy() {
        Recorder negotiator = new Recorder();
        List<Throwable> caught = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(negotiator, new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                caught.add(cause);
            }
        });
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        assertEquals(1, caught.size());
        assertInstanceOf(IllegalStateException.class, caught.get(0));
        assertTrue(caught.get(0).getMessage().contains("no SslWriteHandler in the pipeline"), caught.get(0).getMessage());
        assertFalse(channel.isOpen());
        channel.finishAndReleaseAll();
    }
}
