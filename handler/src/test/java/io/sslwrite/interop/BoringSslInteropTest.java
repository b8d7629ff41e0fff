package io.sslwrite.interop;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.BuildMode;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §1, §3: BoringSSL (Netty's {@code SslProvider.OPENSSL} over netty-tcnative) offers
 * X25519MLKEM768 first and x25519 second, as Chrome, Firefox and OpenSSL 3.5 do. The hybrid group must
 * be negotiated and carry data in both roles on every JDK the library runs on: on Java 25 the JDK's own
 * ML-KEM once met bctls's KEM from another provider and every such handshake ended in
 * {@code internal_error(80)}.
 */
class BoringSslInteropTest extends AbstractInteropTest {

    /** The FIPS build offers P-256 and P-384 only: there the browser's P-256 is negotiated instead. */
    private static final String HYBRID = BuildMode.FIPS ? "secp256r1" : "X25519MLKEM768";
    /** BoringSSL's names, most preferred first: what a browser's ClientHello offers. */
    private static final String[] BROWSER_GROUPS = {"X25519MLKEM768", "X25519", "P-256", "P-384"};
    private static final int BYTES = 1 << 20;

    @BeforeAll
    static void boringSslIsLoaded() {
        // The native library ships in the test classpath for linux-x86_64; without it there is no peer.
        assertTrue(OpenSsl.isAvailable(), () -> "netty-tcnative did not load: " + OpenSsl.unavailabilityCause());
    }

    @Test
    void boringSslClientOfferingTheHybridGroupFirstHandshakesWithAnSslwriteServer() throws Exception {
        Server server = serve(SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build(), BYTES);
        SslContext client = SslContextBuilder.forClient()
                .sslProvider(SslProvider.OPENSSL)
                .trustManager(TestPki.caPem())
                .protocols("TLSv1.3")
                .option(OpenSslContextOption.GROUPS, BROWSER_GROUPS)
                .build();
        Receiver received = new Receiver(BYTES);
        Channel peer = connectNetty(client, server.port(), received);
        Connection accepted = server.accepted();

        awaitSuccess(accepted.handler().handshakeFuture(), "sslwrite server handshake with BoringSSL");
        assertEquals(HYBRID, accepted.handler().session().namedGroup());

        byte[] up = payload(21, BYTES);
        byte[] down = payload(22, BYTES);
        awaitSuccess(peer.writeAndFlush(Unpooled.wrappedBuffer(up)), "BoringSSL client write");
        accepted.awaitWrites(accepted.send(down));
        assertSameBytes(up, accepted.receiver().awaitDigest(), "BoringSSL -> sslwrite");
        assertSameBytes(down, received.awaitDigest(), "sslwrite -> BoringSSL");
    }

    @Test
    void sslwriteClientNegotiatesTheHybridGroupWithABoringSslServer() throws Exception {
        SslContext server = SslContextBuilder.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .sslProvider(SslProvider.OPENSSL)
                .protocols("TLSv1.3")
                .option(OpenSslContextOption.GROUPS, BROWSER_GROUPS)
                .build();
        Receiver received = new Receiver(BYTES);
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        int port = bindNetty(server, received, accepted);
        Connection client = connect(SslWriteContext.forClient().trustManager(TestPki.caPem()).build(),
                "localhost", port, BYTES);

        awaitSuccess(client.handler().handshakeFuture(), "sslwrite client handshake with BoringSSL");
        assertEquals(HYBRID, client.handler().session().namedGroup());

        byte[] up = payload(23, BYTES);
        byte[] down = payload(24, BYTES);
        client.awaitWrites(client.send(up));
        Channel peer = await(accepted, "BoringSSL server accepting");
        awaitSuccess(peer.writeAndFlush(Unpooled.wrappedBuffer(down)), "BoringSSL server write");
        assertSameBytes(up, received.awaitDigest(), "sslwrite -> BoringSSL");
        assertSameBytes(down, client.receiver().awaitDigest(), "BoringSSL -> sslwrite");
    }

    /** A Netty {@code SslHandler} client on BoringSSL, its handshake completed. */
    private Channel connectNetty(SslContext context, int port, Receiver receiver) throws InterruptedException {
        CompletableFuture<SslHandler> ssl = new CompletableFuture<>();
        ChannelFuture connect = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler handler = context.newHandler(ch.alloc(), "localhost", port);
                        ch.pipeline().addLast(handler, receiver);
                        ssl.complete(handler);
                    }
                })
                .connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        awaitSuccess(connect, "TCP connect to 127.0.0.1:" + port);
        closeAfterTest(() -> connect.channel().close().sync());
        awaitSuccess(ssl.join().handshakeFuture(), "BoringSSL client handshake");
        return connect.channel();
    }

    /** A Netty {@code SslHandler} server on BoringSSL; returns its port. */
    private int bindNetty(SslContext context, Receiver receiver, CompletableFuture<Channel> accepted)
            throws InterruptedException {
        ChannelFuture bind = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler handler = context.newHandler(ch.alloc());
                        ch.pipeline().addLast(handler, receiver);
                        handler.handshakeFuture().addListener(f -> {
                            if (f.isSuccess()) {
                                accepted.complete(ch);
                            } else {
                                accepted.completeExceptionally(f.cause());
                            }
                        });
                        closeAfterTest(() -> ch.close().sync());
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        awaitSuccess(bind, "bind");
        closeAfterTest(() -> bind.channel().close().sync());
        return ((InetSocketAddress) bind.channel().localAddress()).getPort();
    }
}
