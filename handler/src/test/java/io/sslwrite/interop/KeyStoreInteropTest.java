package io.sslwrite.interop;

import io.netty.handler.ssl.ClientAuth;
import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §3.1, key material from the JDK's KeyStores: PKCS#12 and JKS files written and read back through
 * {@link KeyStore}, given to a {@link KeyManagerFactory}, and used by sslwrite servers and clients over real
 * connections; the peer sees the certificate of the store.
 */
class KeyStoreInteropTest extends AbstractInteropTest {

    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    Path dir;

    @Test
    void serverFromAPkcs12FileAndAJksFileShowsTheirCertificates() throws Exception {
        for (String[] store : new String[][] {{"PKCS12", "EC"}, {"JKS", "RSA"}}) {
            boolean rsa = store[1].equals("RSA");
            KeyManagerFactory kmf = keyManagerFactory(store[0], rsa ? TestPki.rsaServerKey() : TestPki.serverKey(),
                    rsa ? TestPki.rsaServerChain() : TestPki.serverChain());
            Server server = serve(SslWriteContext.forServer(kmf).protocols("TLSv1.2").build(), 0);
            Connection client = connect(SslWriteContext.forClient().trustManager(TestPki.caPem()).build(),
                    "localhost", server.port(), 0);
            awaitSuccess(client.handler().handshakeFuture(), store[0] + " server handshake");
            X509Certificate expected = rsa ? TestPki.rsaServerChain()[0] : TestPki.serverChain()[0];
            assertEquals(expected, client.handler().session().peerCertificates()[0], store[0]);
            assertTrue(client.handler().session().cipherSuite().contains(rsa ? "_RSA_" : "_ECDSA_"),
                    client.handler().session().cipherSuite());
        }
    }

    @Test
    void clientCertificateFromAPkcs12File() throws Exception {
        KeyManagerFactory kmf = keyManagerFactory("PKCS12", TestPki.clientKey(), TestPki.clientChain());
        Server server = serve(SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .clientAuth(ClientAuth.REQUIRE).trustManager(TestPki.caPem()).build(), 0);
        Connection client = connect(SslWriteContext.forClient().trustManager(TestPki.caPem()).keyManager(kmf).build(),
                "localhost", server.port(), 0);
        awaitSuccess(client.handler().handshakeFuture(), "client handshake");
        Connection accepted = server.accepted();
        awaitSuccess(accepted.handler().handshakeFuture(), "server handshake");
        assertEquals(TestPki.clientChain()[0], accepted.handler().session().peerCertificates()[0]);
    }

    @Test
    void aKeyStoreWithoutAKeyEntryOrAnUninitialisedFactoryIsRefusedWithAReason() throws Exception {
        KeyStore certificatesOnly = KeyStore.getInstance("PKCS12");
        certificatesOnly.load(null, null);
        certificatesOnly.setCertificateEntry("ca", TestPki.caCertificate());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(certificatesOnly, PASSWORD);
        IllegalArgumentException noKey = assertThrows(IllegalArgumentException.class, () -> SslWriteContext.forServer(kmf));
        assertTrue(noKey.getMessage().contains("has no EC or RSA private key with a certificate chain"), noKey.getMessage());
        assertTrue(noKey.getMessage().contains("a trusted-certificate entry alone is not enough"), noKey.getMessage());

        KeyManagerFactory uninitialised = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        IllegalArgumentException notInit = assertThrows(IllegalArgumentException.class,
                () -> SslWriteContext.forClient().keyManager(uninitialised));
        assertTrue(notInit.getMessage().contains("not initialised"), notInit.getMessage());
    }

    /** A KeyStore of {@code type} with one key entry, written to a file and read back, in a factory. */
    private KeyManagerFactory keyManagerFactory(String type, PrivateKey key, X509Certificate[] chain) throws Exception {
        KeyStore written = KeyStore.getInstance(type);
        written.load(null, null);
        written.setKeyEntry("key", key, PASSWORD, chain);
        Path file = dir.resolve("store." + type.toLowerCase());
        try (OutputStream out = Files.newOutputStream(file)) {
            written.store(out, PASSWORD);
        }
        KeyStore read = KeyStore.getInstance(type);
        try (var in = Files.newInputStream(file)) {
            read.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(read, PASSWORD);
        return kmf;
    }
}
