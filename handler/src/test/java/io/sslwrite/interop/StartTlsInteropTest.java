package io.sslwrite.interop;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.sslwrite.SslWriteContext;
import io.sslwrite.SslWriteHandler;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * STARTTLS ({@code startTls(true)}, DESIGN §3.1), as Netty's {@code SslHandler(engine, true)}: the writes
 * of the first flush pass in plaintext, then the handshake starts. A server speaks SMTP's STARTTLS
 * (RFC 3207) to {@code openssl s_client -starttls smtp}, which reads the plaintext greeting and "220 Ready"
 * and then handshakes; a client announces TLS in plaintext to a JDK server that reads the line from the
 * raw socket and then layers {@code SSLSocket} over it.
 */
class StartTlsInteropTest extends AbstractInteropTest {

    /** A small SMTP server: EHLO, STARTTLS (adding the handler, then the reply), EHLO again, QUIT. */
    private static final class SmtpServer extends SimpleChannelInboundHandler<ByteBuf> {
        private final SslWriteContext tls;
        final List<String> linesAfterTls = new CopyOnWriteArrayList<>();
        final CompletableFuture<SslWriteHandler> handler = new CompletableFuture<>();
        final CompletableFuture<Object> handshakeEvent = new CompletableFuture<>();

        SmtpServer(SslWriteContext tls) {
            this.tls = tls;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            reply(ctx, "220 sslwrite.test ESMTP");
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            String line = msg.toString(StandardCharsets.US_ASCII).trim();
            String verb = line.split(" ")[0].toUpperCase();
            if (handler.isDone() && !handler.join().handshakeFuture().isDone()) {
                // A line after STARTTLS that did not come through TLS was sent with it, in plaintext, and
                // waited in the line decoder behind the TLS handler: an injected command (RFC 3207 §6).
                ctx.close();
                return;
            }
            if (handler.isDone()) {
                linesAfterTls.add(line);
            }
            switch (verb) {
                case "EHLO" -> reply(ctx, handler.isDone() ? "250 sslwrite.test" : "250-sslwrite.test\r\n250 STARTTLS");
                case "STARTTLS" -> {
                    // RFC 3207 §4: the reply is the last plaintext; the handler goes in first so that the
                    // bytes after it are read as TLS.
                    SslWriteHandler h = tls.newHandler(ctx.alloc());
                    ctx.pipeline().addFirst("tls", h);
                    handler.complete(h);
                    reply(ctx, "220 2.0.0 Ready to start TLS");
                }
                case "QUIT" -> ctx.writeAndFlush(ascii("221 2.0.0 Bye\r\n")).addListener(f -> ctx.close());
                default -> reply(ctx, "500 5.5.1 unknown command " + verb);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent) {
                handshakeEvent.complete(evt);
            }
        }

        private static void reply(ChannelHandlerContext ctx, String text) {
            ctx.writeAndFlush(ascii(text + "\r\n"));
        }
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static SslWriteContext startTlsServer() throws Exception {
        return SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).startTls(true).build();
    }

    /** Serves {@code smtp} behind a line decoder on 127.0.0.1, until the test ends; returns the port. */
    private int listen(SmtpServer smtp) throws InterruptedException {
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new LineBasedFrameDecoder(1000), smtp);
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        closeAfterTest(() -> listener.close().sync());
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Test
    void anSmtpServerUpgradesAfterItsPlaintextReplyForOpenSslStartTls() throws Exception {
        SmtpServer smtp = new SmtpServer(startTlsServer());
        int port = listen(smtp);

        PeerProcess client = start("openssl", "s_client", "-starttls", "smtp", "-connect", "127.0.0.1:" + port,
                "-CAfile", TestPki.caPem().toString(), "-verify_return_error", "-servername", "localhost", "-brief");
        SslWriteHandler handler = await(smtp.handler, "the STARTTLS command; s_client: " + client.describe());
        awaitSuccess(handler.handshakeFuture(), "the handshake after the plaintext 220");
        assertEquals(SslHandshakeCompletionEvent.SUCCESS, await(smtp.handshakeEvent, "the handshake event"));

        OutputStream stdin = client.stdin();
        stdin.write("EHLO over.tls\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
        String stdout = await(CompletableFuture.supplyAsync(() -> readAll(client.stdout())), "s_client's output");
        assertTrue(stdout.contains("250 sslwrite.test") && stdout.contains("221 2.0.0 Bye"),
                "the replies came back over TLS:\n" + stdout + "\n" + client.describe());
        assertEquals(List.of("EHLO over.tls", "QUIT"), smtp.linesAfterTls, "what the server read over TLS");
        String stderr = client.stderr();
        assertTrue(stderr.contains("Verification: OK"), "s_client verified the certificate:\n" + stderr);
        assertNotNull(handler.session());
    }

    @Test
    void aCommandSentInPlaintextAfterStartTlsIsNotTakenForOneOverTls() throws Exception {
        SmtpServer smtp = new SmtpServer(startTlsServer());
        Socket raw = new Socket(InetAddress.getLoopbackAddress(), listen(smtp));
        closeAfterTest(raw);
        assertEquals("220 sslwrite.test ESMTP", readLine(raw.getInputStream()));
        raw.getOutputStream().write("EHLO a\r\nSTARTTLS\r\nEHLO injected\r\n".getBytes(StandardCharsets.US_ASCII));
        String rest = await(CompletableFuture.supplyAsync(() -> {
            try {
                return readAll(raw.getInputStream());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }), "the server's replies, then its EOF");
        assertEquals("250-sslwrite.test\r\n250 STARTTLS\r\n220 2.0.0 Ready to start TLS\r\n", rest,
                "the injected EHLO got no answer; the connection closed");
        assertTrue(smtp.linesAfterTls.isEmpty());
        assertTrue(await(smtp.handler, "the STARTTLS command").handshakeFuture().cause() != null);
    }

    @Test
    void aClientAnnouncesTlsInPlaintextAndQueuesWhatFollowsForTheHandshake() throws Exception {
        ServerSocket plain = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        closeAfterTest(plain);
        CompletableFuture<String> server = CompletableFuture.supplyAsync(() -> {
            try {
                Socket raw = plain.accept();
                closeAfterTest(raw);
                String announced = readLine(raw.getInputStream()); // byte by byte: nothing of TLS is read
                SSLSocket tls = (SSLSocket) jdkContext(true).getSocketFactory()
                        .createSocket(raw, "127.0.0.1", raw.getPort(), true);
                tls.setUseClientMode(false);
                String overTls = readLine(tls.getInputStream());
                tls.getOutputStream().write(("got " + overTls + "\n").getBytes(StandardCharsets.US_ASCII));
                tls.getOutputStream().flush();
                return announced + "|" + overTls + "|" + tls.getSession().getProtocol();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        SslWriteContext tls = SslWriteContext.forClient().trustManager(TestPki.caPem()).startTls(true).build();
        Receiver receiver = new Receiver("got hello over tls\n".length());
        SslWriteHandler handler = tls.newHandler(ByteBufAllocator.DEFAULT, "localhost", plain.getLocalPort());
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(handler, receiver);
                    }
                })
                .connect(InetAddress.getLoopbackAddress(), plain.getLocalPort()).sync().channel();
        closeAfterTest(() -> ch.close().sync());
        ChannelFuture announce = ch.writeAndFlush(ascii("STARTTLS\r\n"));
        ChannelFuture hello = ch.writeAndFlush(ascii("hello over tls\n"));
        awaitSuccess(announce, "the plaintext announcement");
        awaitSuccess(hello, "the write made before the handshake");
        assertTrue(handler.handshakeFuture().isSuccess(), "the write after the first flush waited for the handshake");

        String[] seen = await(server, "the JDK server").split("\\|");
        assertEquals("STARTTLS", seen[0], "read in plaintext");
        assertEquals("hello over tls", seen[1], "read over TLS");
        assertEquals("TLSv1.3", seen[2]);
        assertSameBytes("got hello over tls\n".getBytes(StandardCharsets.US_ASCII), receiver.awaitDigest(), "the reply");
    }

    /** One line, read a byte at a time, without its line end. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("EOF after \"" + line + "\"");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
