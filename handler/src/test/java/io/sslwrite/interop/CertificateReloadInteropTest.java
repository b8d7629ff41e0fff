package io.sslwrite.interop;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.NamedCertificates;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.Test;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §3.2, {@code context.reload()}: a server whose certificate and key files are replaced presents the
 * new certificate to {@code openssl s_client} after {@code reload()}, without a restart, while a connection
 * made before, its 8 MiB download stalled across the reload, keeps its handshake's certificate and finishes
 * the download; files that do not load leave
 * the old certificate in place and the exception names the file and the reason.
 */
class CertificateReloadInteropTest extends AbstractInteropTest {

    private static final byte[] REQUEST = "GET\n".getBytes(StandardCharsets.US_ASCII);

    @Test
    void openSslSeesTheNewCertificateAfterReloadWhileAnEarlierConnectionFinishesItsDownload() throws Exception {
        Path dir = Files.createTempDirectory("sslwrite-reload");
        File cert = copy(TestPki.serverCertPem(), dir.resolve("cert.pem"));
        File key = copy(TestPki.serverKeyPem(), dir.resolve("key.pem"));
        byte[] download = payload(41, PAYLOAD_BYTES);
        SslWriteContext server = SslWriteContext.forServer(cert, key).build();
        int port = serveDownloads(server, download);
        assertEquals(fingerprint(TestPki.serverChain()[0]), sClientFingerprint(port), "before the reload");

        SslWriteContext client = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
        Connection early = connect(client, "localhost", port, download.length);
        awaitSuccess(early.handler().handshakeFuture(), "handshake before the reload");
        // The download starts before the reload and stalls: the client reads nothing until after it.
        early.channel().config().setAutoRead(false);
        awaitSuccess(early.channel().writeAndFlush(Unpooled.wrappedBuffer(REQUEST)), "request before the reload");

        NamedCertificates.Issued renewed = NamedCertificates.ec("localhost");
        copy(renewed.chainPem(), cert.toPath());
        copy(renewed.keyPem(), key.toPath());
        server.reload();

        assertEquals(fingerprint(renewed.leaf()), sClientFingerprint(port), "s_client after the reload");
        early.channel().config().setAutoRead(true);
        assertSameBytes(download, early.receiver().awaitDigest(), "8 MiB to the connection made before the reload");
        assertEquals(TestPki.serverChain()[0], early.handler().session().peerCertificates()[0],
                "the earlier connection keeps the certificate of its handshake");
        Connection late = connect(client, "localhost", port, 0);
        awaitSuccess(late.handler().handshakeFuture(), "sslwrite handshake after the reload");
        assertEquals(renewed.leaf(), late.handler().session().peerCertificates()[0]);
    }

    @Test
    void aCorruptKeyFileLeavesTheOldCertificateInPlaceAndTheExceptionSaysWhy() throws Exception {
        Path dir = Files.createTempDirectory("sslwrite-reload");
        File cert = copy(TestPki.serverCertPem(), dir.resolve("cert.pem"));
        File key = copy(TestPki.serverKeyPem(), dir.resolve("key.pem"));
        SslWriteContext server = SslWriteContext.forServer(cert, key).build();
        int port = serveDownloads(server, new byte[0]);

        NamedCertificates.Issued renewed = NamedCertificates.ec("localhost");
        copy(renewed.chainPem(), cert.toPath());
        Files.writeString(key.toPath(), "-----BEGIN PRIVATE KEY-----\nMIIBnotakey\n-----END PRIVATE KEY-----\n");
        SSLException corrupt = assertThrows(SSLException.class, server::reload);
        assertTrue(corrupt.getMessage().contains(key.getPath()), corrupt.getMessage());
        assertTrue(corrupt.getMessage().contains("not a valid PEM file")
                || corrupt.getMessage().contains("cannot be decoded"), corrupt.getMessage());
        assertEquals(fingerprint(TestPki.serverChain()[0]), sClientFingerprint(port), "the old certificate stays");

        // A key that loads but belongs to another certificate is refused as build() refuses it.
        copy(TestPki.rsaServerKeyPem(), key.toPath());
        SSLException mismatch = assertThrows(SSLException.class, server::reload);
        assertTrue(mismatch.getMessage().contains(key.getPath()), mismatch.getMessage());
        assertTrue(mismatch.getMessage().contains("does not match the certificate"), mismatch.getMessage());
        assertEquals(fingerprint(TestPki.serverChain()[0]), sClientFingerprint(port), "the old certificate stays");

        copy(renewed.keyPem(), key.toPath());
        server.reload();
        assertEquals(fingerprint(renewed.leaf()), sClientFingerprint(port), "the repaired files load");
    }

    @Test
    void aServerNameEntryReloadsToo() throws Exception {
        Path dir = Files.createTempDirectory("sslwrite-reload");
        NamedCertificates.Issued first = NamedCertificates.rsa("api.example.test");
        File cert = copy(first.chainPem(), dir.resolve("api.pem"));
        File key = copy(first.keyPem(), dir.resolve("api.key"));
        SslWriteContext server = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .serverName("api.example.test", cert, key).build();
        int port = serveDownloads(server, new byte[0]);
        assertEquals(fingerprint(first.leaf()), sClientFingerprint(port, "api.example.test"));

        NamedCertificates.Issued second = NamedCertificates.ec("api.example.test");
        copy(second.chainPem(), cert.toPath());
        copy(second.keyPem(), key.toPath());
        server.reload();
        assertEquals(fingerprint(second.leaf()), sClientFingerprint(port, "api.example.test"));
        assertEquals(fingerprint(TestPki.serverChain()[0]), sClientFingerprint(port, "localhost"), "the default");
    }

    @Test
    void aKeyManagerFactoryIsAskedAgainAfterTheApplicationInitsItWithTheRenewedStore() throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store(TestPki.serverKey(), TestPki.serverChain()), PASSWORD);
        SslWriteContext server = SslWriteContext.forServer(kmf).build();
        int port = serveDownloads(server, new byte[0]);
        assertEquals(fingerprint(TestPki.serverChain()[0]), sClientFingerprint(port));

        NamedCertificates.Issued renewed = NamedCertificates.ec("localhost");
        KeyStore renewedStore = store(pkcs8(renewed.keyPem()), renewed.leaf(), TestPki.caCertificate());
        server.reload();
        assertEquals(fingerprint(TestPki.serverChain()[0]), sClientFingerprint(port), "not yet given to the factory");
        kmf.init(renewedStore, PASSWORD);
        server.reload();
        assertEquals(fingerprint(renewed.leaf()), sClientFingerprint(port), "after kmf.init(renewed) and reload()");
    }

    @Test
    void aClientsCaFileReloadsToo() throws Exception {
        File ca = copy(TestPki.caPem(), Files.createTempDirectory("sslwrite-reload").resolve("ca.pem"));
        SslWriteContext client = SslWriteContext.forClient().trustManager(ca).build();
        int port = serveDownloads(SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build(),
                new byte[0]);
        Connection trusted = connect(client, "localhost", port, 0);
        awaitSuccess(trusted.handler().handshakeFuture(), "handshake with the CA file as built");

        copy(TestPki.wrongCaPem(), ca.toPath());
        client.reload();
        Connection refused = connect(client, "localhost", port, 0);
        Throwable cause = assertFailed(refused.handler().handshakeFuture(), "handshake after the CA file changed");
        assertTrue(cause.getMessage().contains("no path to a trust anchor"), cause.getMessage());
        assertTrue(trusted.channel().isActive(), "the connection made before is untouched");
    }

    private static final char[] PASSWORD = "reload".toCharArray();

    private static KeyStore store(PrivateKey key, X509Certificate... chain) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", key, PASSWORD, chain);
        return store;
    }

    /** A server that answers any bytes a client sends with {@code download}, in 64 KiB writes. */
    private int serveDownloads(SslWriteContext context, byte[] download) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(context.newHandler(ch.alloc()), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ReferenceCountUtil.release(msg);
                                for (int offset = 0; offset < download.length; offset += 1 << 16) {
                                    int n = Math.min(1 << 16, download.length - offset);
                                    ByteBuf piece = Unpooled.wrappedBuffer(download, offset, n);
                                    ctx.write(piece);
                                }
                                ctx.flush();
                            }
                        });
                    }
                });
        Channel listener = bootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        closeAfterTest(() -> listener.close().sync());
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** The SHA-256 fingerprint of the certificate s_client receives, as {@code openssl x509 -fingerprint} prints it. */
    private String sClientFingerprint(int port, String... serverName) {
        String name = serverName.length == 0 ? "localhost" : serverName[0];
        String out = runToExit(List.of("sh", "-c", "openssl s_client -connect 127.0.0.1:" + port + " -servername "
                + name + " -CAfile " + TestPki.caPem() + " </dev/null 2>/dev/null"
                + " | openssl x509 -noout -fingerprint -sha256"));
        int at = out.indexOf("Fingerprint=");
        assertTrue(at >= 0, "openssl printed a fingerprint\n" + out);
        return out.substring(at + "Fingerprint=".length()).trim().split("\\s")[0];
    }

    private static String fingerprint(X509Certificate certificate) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    }

    /** The EC key of a PKCS#8 PEM file as NamedCertificates writes it. */
    private static PrivateKey pkcs8(File pem) throws Exception {
        String base64 = Files.readString(pem.toPath()).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    /** Replaces {@code target} as a renewal would. */
    private static File copy(File source, Path target) throws Exception {
        Files.copy(source.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        target.toFile().deleteOnExit();
        return target.toFile();
    }
}
