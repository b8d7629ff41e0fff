package io.sslwrite;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sslwrite.testing.Records;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.TlsPair;
import org.bouncycastle.tls.CipherSuite;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Security defaults, read from the ClientHello sslwrite sends and from how its server answers edited
 * ones: TLS 1.2 and 1.3 only, RFC 5746 secure renegotiation signalled, TLS_FALLBACK_SCSV honoured, no
 * anonymous or NULL suites, peer renegotiation denied by a server, host names verified by a client.
 */
class SecurityDefaultsTest {

    private static final int TLS_FALLBACK_SCSV = 0x5600;
    private static final int TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
    private static final int EXT_SUPPORTED_VERSIONS = 43;
    private static final int EXT_RENEGOTIATION_INFO = 0xff01;

    @Test
    void theClientOffersOnlyTls13And12AndSignalsSecureRenegotiation() throws Exception {
        ClientHello hello = ClientHello.parse(clientHello(b -> { }));
        assertEquals(0x0303, hello.legacyVersion);
        assertEquals(List.of(0x0304, 0x0303), hello.supportedVersions(), "supported_versions");
        assertTrue(hello.cipherSuites.contains(TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
                || hello.extensions.containsKey(EXT_RENEGOTIATION_INFO), "RFC 5746 signalled");

        ClientHello tls12 = ClientHello.parse(clientHello(b -> b.protocols("TLSv1.2")));
        assertEquals(0x0303, tls12.legacyVersion);
        assertFalse(tls12.extensions.containsKey(EXT_SUPPORTED_VERSIONS) && tls12.supportedVersions().stream()
                .anyMatch(v -> v < 0x0303), "nothing older than TLS 1.2");
        assertTrue(tls12.cipherSuites.contains(TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
                || tls12.extensions.containsKey(EXT_RENEGOTIATION_INFO), "RFC 5746 signalled");
    }

    @Test
    void theClientOffersNoAnonymousNullExportOrWeakSuites() throws Exception {
        for (Consumer<SslWriteContext.Builder> config : List.<Consumer<SslWriteContext.Builder>>of(
                b -> { }, b -> b.protocols("TLSv1.2"))) {
            ClientHello hello = ClientHello.parse(clientHello(config));
            for (int suite : hello.cipherSuites) {
                String name = suiteName(suite);
                assertFalse(name.contains("_anon_") || name.contains("_NULL_") || name.endsWith("_NULL")
                        || name.contains("EXPORT") || name.contains("RC4") || name.contains("_DES_")
                        || name.contains("3DES") || name.endsWith("_MD5"), "offered " + name);
            }
        }
    }

    @Test
    void aServerRefusesAClientThatOffersOnlyTls11WithProtocolVersion() throws Exception {
        byte[] hello = clientHello(b -> b.protocols("TLSv1.2"));
        hello[9] = 3;
        hello[10] = 2; // client_version TLS 1.1, no supported_versions: a TLS 1.1 client
        Server server = new Server(b -> { });
        server.feed(hello);
        assertEquals(1, server.exceptions.size(), server.exceptions.toString());
        assertInstanceOf(SSLHandshakeException.class, server.exceptions.get(0));
        assertTrue(server.exceptions.get(0).getMessage().contains("protocol_version"), server.exceptions.get(0).getMessage());
        assertEquals(List.of(70), server.alertsSent());
        server.finish();
    }

    @Test
    void aFallbackClientHelloForTls12ToATls13ServerGetsInappropriateFallback() throws Exception {
        byte[] fallback = ClientHello.parse(clientHello(b -> b.protocols("TLSv1.2"))).withSuiteAdded(TLS_FALLBACK_SCSV);

        Server tls13 = new Server(b -> { });
        tls13.feed(fallback);
        assertEquals(1, tls13.exceptions.size(), tls13.exceptions.toString());
        assertTrue(tls13.exceptions.get(0).getMessage().contains("inappropriate_fallback"), tls13.exceptions.get(0).getMessage());
        assertEquals(List.of(86), tls13.alertsSent());
        tls13.finish();

        // To a server whose best is TLS 1.2 the same ClientHello is no fallback: the handshake goes on.
        Server tls12 = new Server(b -> b.protocols("TLSv1.2"));
        tls12.feed(fallback);
        assertTrue(tls12.exceptions.isEmpty(), tls12.exceptions.toString());
        assertTrue(tls12.channel.isOpen());
        tls12.finish();
    }

    @Test
    void peerRenegotiationIsDeniedByServersAndAcceptedOnlyByClientsByDefault() throws Exception {
        SslWriteHandler server = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build()
                .newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT);
        SslWriteHandler client = SslWriteContext.forClient().trustManager(TestPki.caPem()).build()
                .newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT, "localhost", 443);
        assertEquals(Renegotiation.DENY, server.getOption(SslWriteOption.RENEGOTIATION));
        assertEquals(Renegotiation.ACCEPT, client.getOption(SslWriteOption.RENEGOTIATION));
    }

    @Test
    void theClientVerifiesTheHostNameWhateverTrustItWasGiven() throws Exception {
        List<Consumer<SslWriteContext.Builder>> trusts = List.of(
                b -> b.trustManager(TestPki.caPem()),
                b -> b.trustManager(TestPki.caCertificate()),
                b -> {
                    try {
                        b.trustManager(TestPki.caBundle().toTrustManagerFactory());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        for (Consumer<SslWriteContext.Builder> trust : trusts) {
            for (String host : new String[] {"example.com", "127.0.0.2"}) {
                SslWriteContext.Builder b = SslWriteContext.forClient();
                trust.accept(b);
                Throwable cause = handshakeFailure(b.build(), host);
                assertNotNull(cause, host + " was accepted for a certificate of localhost/127.0.0.1");
                assertInstanceOf(SSLHandshakeException.class, cause);
                assertTrue(cause.getMessage().contains(host), cause.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** Runs a handshake against the test server with the client handler for {@code host}; its failure or null. */
    private static Throwable handshakeFailure(SslWriteContext clientContext, String host) throws Exception {
        SslWriteContext serverContext = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build();
        EmbeddedChannel client = new EmbeddedChannel(false, false);
        EmbeddedChannel server = new EmbeddedChannel(false, false);
        SslWriteHandler handler = clientContext.newHandler(client.alloc(), host, 443);
        client.pipeline().addLast(handler, new Swallow());
        server.pipeline().addLast(serverContext.newHandler(server.alloc()), new Swallow());
        server.register();
        client.register();
        try {
            for (int i = 0; i < 20 && !handler.handshakeFuture().isDone(); i++) {
                move(client, server);
                move(server, client);
            }
            assertTrue(handler.handshakeFuture().isDone());
            return handler.handshakeFuture().cause();
        } finally {
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    private static void move(EmbeddedChannel from, EmbeddedChannel to) {
        for (Object msg; (msg = from.readOutbound()) != null; ) {
            if (to.isOpen()) {
                to.writeInbound(msg);
            } else {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }
        to.runPendingTasks();
    }

    static final class Swallow extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        }
    }

    /** The ClientHello record of a client built with the test CA and {@code config}. */
    private static byte[] clientHello(Consumer<SslWriteContext.Builder> config) {
        try (TlsPair pair = TlsPair.builder().client(config).build()) {
            return pair.drainClient();
        }
    }

    private static final Map<Integer, String> SUITE_NAMES = new HashMap<>();

    static {
        for (Field f : CipherSuite.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                try {
                    SUITE_NAMES.putIfAbsent(f.getInt(null), f.getName());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private static String suiteName(int code) {
        return SUITE_NAMES.getOrDefault(code, String.format("0x%04x", code));
    }

    /** A fresh server handler and what it did with the bytes fed to it. */
    static final class Server {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final List<Throwable> exceptions = new ArrayList<>();
        final ByteArrayOutputStream wire = new ByteArrayOutputStream();

        Server(Consumer<SslWriteContext.Builder> config) throws SSLException {
            SslWriteContext.Builder b = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem());
            config.accept(b);
            channel.pipeline().addLast(b.build().newHandler(channel.alloc()), new ChannelInboundHandlerAdapter() {
                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    exceptions.add(cause);
                }
            });
        }

        void feed(byte[] bytes) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes));
            for (Object msg; (msg = channel.readOutbound()) != null; ) {
                io.netty.buffer.ByteBuf buf = (io.netty.buffer.ByteBuf) msg;
                wire.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(buf));
                buf.release();
            }
        }

        /** Descriptions of the plaintext alerts the server sent. */
        List<Integer> alertsSent() {
            byte[] bytes = wire.toByteArray();
            List<Integer> alerts = new ArrayList<>();
            for (Records.Record r : Records.parse(bytes).alerts()) {
                alerts.add(bytes[r.offset() + 1] & 0xff);
            }
            return alerts;
        }

        void finish() {
            channel.finishAndReleaseAll();
        }
    }

    /** A ClientHello record, parsed (RFC 8446 §4.1.2), and rebuilt with edits. */
    static final class ClientHello {
        int legacyVersion;
        byte[] random;
        byte[] sessionId;
        final List<Integer> cipherSuites = new ArrayList<>();
        byte[] compression;
        final Map<Integer, byte[]> extensions = new java.util.LinkedHashMap<>();
        int recordVersion;

        static ClientHello parse(byte[] record) {
            java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(record);
            ClientHello h = new ClientHello();
            assertEquals(22, in.get() & 0xff, "a handshake record");
            h.recordVersion = in.getShort() & 0xffff;
            int recordLength = in.getShort() & 0xffff;
            assertEquals(record.length - 5, recordLength, "one record");
            assertEquals(1, in.get() & 0xff, "client_hello");
            in.position(in.position() + 3);
            h.legacyVersion = in.getShort() & 0xffff;
            h.random = new byte[32];
            in.get(h.random);
            h.sessionId = new byte[in.get() & 0xff];
            in.get(h.sessionId);
            int suites = in.getShort() & 0xffff;
            for (int i = 0; i < suites / 2; i++) {
                h.cipherSuites.add(in.getShort() & 0xffff);
            }
            h.compression = new byte[in.get() & 0xff];
            in.get(h.compression);
            int end = in.position() + (in.getShort() & 0xffff);
            while (in.position() < end) {
                int type = in.getShort() & 0xffff;
                byte[] data = new byte[in.getShort() & 0xffff];
                in.get(data);
                h.extensions.put(type, data);
            }
            return h;
        }

        List<Integer> supportedVersions() {
            byte[] data = extensions.get(EXT_SUPPORTED_VERSIONS);
            List<Integer> versions = new ArrayList<>();
            if (data != null) {
                for (int i = 1; i + 1 < data.length; i += 2) {
                    versions.add((data[i] & 0xff) << 8 | data[i + 1] & 0xff);
                }
            }
            return versions;
        }

        byte[] withSuiteAdded(int suite) {
            List<Integer> suites = new ArrayList<>(cipherSuites);
            suites.add(suite);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(legacyVersion >>> 8);
            body.write(legacyVersion);
            body.writeBytes(random);
            body.write(sessionId.length);
            body.writeBytes(sessionId);
            body.write(suites.size() * 2 >>> 8);
            body.write(suites.size() * 2);
            for (int s : suites) {
                body.write(s >>> 8);
                body.write(s);
            }
            body.write(compression.length);
            body.writeBytes(compression);
            ByteArrayOutputStream ext = new ByteArrayOutputStream();
            extensions.forEach((type, data) -> {
                ext.write(type >>> 8);
                ext.write(type);
                ext.write(data.length >>> 8);
                ext.write(data.length);
                ext.writeBytes(data);
            });
            body.write(ext.size() >>> 8);
            body.write(ext.size());
            body.writeBytes(ext.toByteArray());
            byte[] b = body.toByteArray();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(new byte[] {22, (byte) (recordVersion >>> 8), (byte) recordVersion,
                    (byte) ((b.length + 4) >>> 8), (byte) (b.length + 4), 1, (byte) (b.length >>> 16),
                    (byte) (b.length >>> 8), (byte) b.length});
            out.writeBytes(b);
            return out.toByteArray();
        }
    }
}
