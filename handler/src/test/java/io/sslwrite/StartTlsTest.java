package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * STARTTLS ({@code startTls(true)}, DESIGN §3.1) on embedded channels: what goes on the wire in the
 * plaintext phase, where it ends, and how a connection closed in it ends. {@code StartTlsInteropTest}
 * runs the same against openssl and the JDK.
 */
class StartTlsTest {

    private static final byte TLS_HANDSHAKE = 22;

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Splits what the client put on the wire into the plaintext prefix and what follows it. */
    private static byte[] after(byte[] wire, byte[] prefix) {
        assertTrue(wire.length > prefix.length, "more than the plaintext was written: " + wire.length + " bytes");
        assertArrayEquals(prefix, Arrays.copyOf(wire, prefix.length), "the plaintext, as written");
        return Arrays.copyOfRange(wire, prefix.length, wire.length);
    }

    @Test
    void theFirstFlushPassesItsWritesAsTheyAreAndWhatFollowsWaitsForTheHandshake() {
        try (TlsPair pair = TlsPair.builder().client(b -> b.startTls(true)).build()) {
            EmbeddedChannel client = pair.client();
            assertEquals(0, pair.drainClient().length, "nothing before the first flush: no ClientHello");
            ChannelFuture announce = client.write(ascii("STARTTLS\r\n"));
            ChannelFuture holder = client.write(new DefaultByteBufHolder(ascii("X-HOLDER\r\n")));
            client.flush();
            ChannelFuture hello = client.writeAndFlush(ascii("hello over tls"));
            assertTrue(announce.isSuccess() && holder.isSuccess(), "the plaintext writes completed at the flush");
            assertFalse(hello.isDone(), "the write after the first flush waits for the handshake");

            byte[] tls = after(pair.drainClient(), bytes("STARTTLS\r\nX-HOLDER\r\n"));
            assertEquals(TLS_HANDSHAKE, tls[0], "a ClientHello record follows the plaintext");
            pair.server().writeInbound(Unpooled.wrappedBuffer(tls));
            pair.handshake();
            pair.transfer();
            assertTrue(hello.isSuccess());
            assertArrayEquals(bytes("hello over tls"), pair.serverReceived(), "decrypted by the server");
        }
    }

    @Test
    void aWriteMadeWhileTheFirstFlushCompletesIsEncrypted() {
        try (TlsPair pair = TlsPair.builder().client(b -> b.startTls(true)).build()) {
            EmbeddedChannel client = pair.client();
            ChannelFuture[] second = new ChannelFuture[1];
            client.write(ascii("STARTTLS\r\n")).addListener((ChannelFutureListener) f ->
                    second[0] = client.writeAndFlush(ascii("written by a listener")));
            client.flush();

            byte[] tls = after(pair.drainClient(), bytes("STARTTLS\r\n"));
            assertEquals(TLS_HANDSHAKE, tls[0], "the listener's write did not go out in plaintext");
            assertFalse(second[0].isDone());
            pair.server().writeInbound(Unpooled.wrappedBuffer(tls));
            pair.handshake();
            pair.transfer();
            assertTrue(second[0].isSuccess());
            assertArrayEquals(bytes("written by a listener"), pair.serverReceived());
        }
    }

    @Test
    void aClientHelloBeforeTheServersFirstFlushStartsItsHandshake() {
        try (TlsPair pair = TlsPair.builder().server(b -> b.startTls(true)).build()) {
            pair.handshake(); // fails if either side hangs or fails
            pair.server().writeAndFlush(ascii("over tls"));
            pair.transfer();
            assertArrayEquals(bytes("over tls"), pair.clientReceived(), "the server's first flush came after TLS began");
        }
    }

    @Test
    void closeInThePlaintextPhaseSendsWhatWasWrittenAndNoTls() {
        for (boolean client : new boolean[] {true, false}) {
            try (TlsPair pair = TlsPair.builder().client(b -> b.startTls(true)).server(b -> b.startTls(true)).build()) {
                EmbeddedChannel channel = client ? pair.client() : pair.server();
                SslWriteHandler handler = client ? pair.clientHandler() : pair.serverHandler();
                ChannelFuture bye = channel.write(ascii("421 closing\r\n"));
                ChannelFuture closed = channel.close();
                channel.runPendingTasks();
                byte[] wire = client ? pair.drainClient() : pair.drainServer();
                String side = client ? "client" : "server";
                assertArrayEquals(bytes("421 closing\r\n"), wire, side + ": the plaintext, and no TLS record");
                assertTrue(bye.isSuccess(), side);
                assertTrue(closed.isSuccess() && !channel.isOpen(), side + ": the channel closed");
                assertInstanceOf(SSLHandshakeException.class, handler.handshakeFuture().cause(), side);
                assertTrue(handler.sslCloseFuture().isDone(), side);
            }
        }
    }
}
