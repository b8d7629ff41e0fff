package io.sslwrite.interop;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.sslwrite.SslWriteContext;
import io.sslwrite.SslWriteHandler;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §3.2, TLS 1.2 stateless session tickets (RFC 5077) with keys shared by a fleet: two servers, each
 * its own {@link SslWriteContext} (own session cache, nothing shared but the 80-byte key) in this JVM on two
 * ports, stand for two server processes. {@code openssl s_client -sess_out} against the first and
 * {@code -sess_in} against the second prints "Reused"; after a rotation (new key first, old second) the old
 * ticket still resumes; once the old key is dropped it gets a full handshake. The sslwrite client resumes by
 * ticket too, against a server whose session cache is off, so that only a ticket can resume; curl asks for no
 * tickets and resumes by session ID beside them.
 */
class SessionTicketInteropTest extends AbstractInteropTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    private static byte[] newKey() {
        byte[] key = new byte[80];
        RANDOM.nextBytes(key);
        return key;
    }

    private static SslWriteContext.Builder tls12Server(byte[]... keys) {
        return SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .protocols("TLSv1.2").sessionTicketKeys(keys);
    }

    @Test
    void aTicketFromOneServerResumesOnTheOtherThroughARotationUntilItsKeyIsDropped() throws Exception {
        byte[] oldKey = newKey();
        byte[] newKey = newKey();
        HttpServer first = new HttpServer(tls12Server(oldKey).build());
        SslWriteContext secondContext = tls12Server(oldKey).build();
        HttpServer second = new HttpServer(secondContext);
        Path session = Files.createTempFile("sslwrite-ticket", ".pem");
        session.toFile().deleteOnExit();

        String full = sClient(first.port, "-sess_out", session.toString());
        assertTrue(full.contains("New, TLSv1.2"), "a full handshake with the first server\n" + full);
        assertTrue(full.contains("TLS session ticket lifetime hint: 300"), "a ticket for the 5-minute timeout\n" + full);

        String resumed = sClient(second.port, "-sess_in", session.toString());
        assertTrue(resumed.contains("Reused, TLSv1.2"), "the second server resumed the first's ticket\n" + resumed);
        assertTrue(second.handlers.get(0).session().isResumed());

        secondContext.setSessionTicketKeys(newKey, oldKey);
        String rotated = sClient(second.port, "-sess_in", session.toString());
        assertTrue(rotated.contains("Reused, TLSv1.2"), "the old key still opens its tickets\n" + rotated);

        secondContext.setSessionTicketKeys(newKey);
        String dropped = sClient(second.port, "-sess_in", session.toString());
        assertTrue(dropped.contains("New, TLSv1.2"), "the old key is gone: a full handshake\n" + dropped);
        assertFalse(second.handlers.get(2).session().isResumed());
    }

    @Test
    void aTicketIsNotResumedForAnotherServerName() throws Exception {
        HttpServer server = new HttpServer(tls12Server(newKey()).sessionCacheSize(0).build());
        Path session = Files.createTempFile("sslwrite-ticket", ".pem");
        session.toFile().deleteOnExit();
        assertTrue(sClient(server.port, "-sess_out", session.toString()).contains("New, TLSv1.2"));
        assertTrue(sClient(server.port, "-sess_in", session.toString()).contains("Reused, TLSv1.2"), "same name");
        String other = sClientNamed(server.port, "other.example.test", "-sess_in", session.toString());
        assertTrue(other.contains("New, TLSv1.2"), "a ticket made for localhost is refused for another name\n" + other);
    }

    /**
     * curl 7.88 (OpenSSL backend) turns TLS 1.2 tickets off (SSL_OP_NO_TICKET: its ClientHello has no
     * SessionTicket extension), so it resumes by session ID: a server with ticket keys still resumes it from its
     * cache, and sends it no ticket it did not ask for.
     */
    @Test
    void curlResumesOnItsSecondUrlBySessionIdBesideTickets() throws Exception {
        HttpServer server = new HttpServer(tls12Server(newKey()).build());
        String url = "https://localhost:" + server.port + "/";
        String out = runToExit(List.of("curl", "-sv", "--tlsv1.2", "--tls-max", "1.2", "--cacert",
                TestPki.caPem().toString(), url, url));
        assertTrue(out.contains("SSL re-using session ID"), "curl offered its session the second time\n" + out);
        assertFalse(out.contains("Newsession Ticket"), "no ticket for a client that did not ask\n" + out);
        assertEquals(2, server.handlers.size(), "two connections\n" + out);
        assertFalse(server.handlers.get(0).session().isResumed());
        assertTrue(server.handlers.get(1).session().isResumed(), "the second connection resumed\n" + out);
    }

    @Test
    void theSslwriteClientResumesBySslwriteServersTicket() throws Exception {
        Server server = serve(tls12Server(newKey()).sessionCacheSize(0).build(), 0);
        SslWriteContext client = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
        Connection first = connect(client, "localhost", server.port(), 0);
        awaitSuccess(first.handler().handshakeFuture(), "full handshake");
        assertFalse(first.handler().session().isResumed());
        for (int i = 0; i < 2; i++) {
            Connection again = connect(client, "localhost", server.port(), 0);
            awaitSuccess(again.handler().handshakeFuture(), "resumed handshake " + (i + 1));
            assertTrue(again.handler().session().isResumed(), "resumed by the ticket, the server keeps no session");
            assertEquals(first.handler().session().cipherSuite(), again.handler().session().cipherSuite());
        }
    }

    /** OpenSSL's server with its session cache off ({@code -no_cache}) can resume only by the ticket it issued. */
    @Test
    void theSslwriteClientOffersOpenSslServersTicket() throws Exception {
        PeerProcess server = startOpenSslServer("-tls1_2", TestPki.serverCertPem().toPath(),
                TestPki.serverKeyPem().toPath(), "-no_cache", "-naccept", "2");
        SslWriteContext client = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
        Connection first = connect(client, "localhost", server.port, 0);
        awaitSuccess(first.handler().handshakeFuture(), "full handshake with s_server");
        first.channel().close().sync();
        Connection second = connect(client, "localhost", server.port, 0);
        awaitSuccess(second.handler().handshakeFuture(), "second handshake with s_server");
        assertTrue(second.handler().session().isResumed(), "s_server resumed the ticket the client offered");
    }

    @Test
    void keysAreCheckedByNameAndLength() {
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
                () -> tls12Server(new byte[48]));
        assertTrue(shortKey.getMessage().contains("key 1 is 48 bytes (expected: 80"), shortKey.getMessage());
        byte[] key = newKey();
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> tls12Server(key, key));
        assertTrue(twice.getMessage().contains("have the same name"), twice.getMessage());
        SSLException client = assertThrows(SSLException.class,
                () -> SslWriteContext.forClient().sessionTicketKeys(newKey()).build());
        assertTrue(client.getMessage().contains("a client issues no tickets"), client.getMessage());
        SSLException tls13 = assertThrows(SSLException.class, () -> tls12Server(newKey()).protocols("TLSv1.3").build());
        assertTrue(tls13.getMessage().contains("tickets are for TLSv1.2"), tls13.getMessage());
    }

    /** An HTTPS server that answers each request with "ok" and closes, keeping every connection's handler. */
    private final class HttpServer {
        final int port;
        final List<SslWriteHandler> handlers = new CopyOnWriteArrayList<>();

        HttpServer(SslWriteContext context) throws InterruptedException {
            ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            SslWriteHandler ssl = context.newHandler(ch.alloc());
                            handlers.add(ssl);
                            ch.pipeline().addLast(ssl, new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ReferenceCountUtil.release(msg);
                                    byte[] response = ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n"
                                            + "\r\nok").getBytes(StandardCharsets.US_ASCII);
                                    ctx.writeAndFlush(Unpooled.wrappedBuffer(response))
                                            .addListener(ChannelFutureListener.CLOSE);
                                }
                            });
                        }
                    });
            Channel listener = bootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            closeAfterTest(() -> listener.close().sync());
            port = ((InetSocketAddress) listener.localAddress()).getPort();
        }
    }

    private String sClient(int port, String... extra) {
        return sClientNamed(port, "localhost", extra);
    }

    private String sClientNamed(int port, String serverName, String... extra) {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-CAfile", TestPki.caPem().toString(), "-servername", serverName, "-tls1_2"));
        command.addAll(List.of(extra));
        return runToExit(command);
    }
}
