package io.sslwrite;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.ClientAuth;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.sslwrite.testing.BuildMode;
import io.sslwrite.testing.TestPki;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsClient;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPeer;
import org.bouncycastle.tls.TlsServer;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §3 and §6: the builder's checks and messages, and what the peers of {@link SslWriteContext#peers}
 * negotiate, driven through bctls's non-blocking protocols in memory, without the handler.
 */
class ContextBuilderTest {

    // ---------------------------------------------------------------- builder checks

    private static SslWriteContext.Builder server() {
        return SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem());
    }

    private static SslWriteContext.Builder client() {
        return SslWriteContext.forClient().trustManager(TestPki.caPem());
    }

    @Test
    void defaultsAreTls13And12WithAesGcmFirstAndTheHybridGroup() throws Exception {
        SslWriteContext ctx = server().build();
        String s = ctx.toString();
        assertTrue(s.startsWith("SslWriteContext(server, "), s);
        assertTrue(client().build().toString().startsWith("SslWriteContext(client, "));
        assertTrue(s.contains("protocols=[TLSv1.3, TLSv1.2]"), s);
        if (BuildMode.FIPS) {
            // Only what the FIPS module approves: no ChaCha20-Poly1305, no x25519, no hybrid.
            assertTrue(s.contains("cipherSuites=[TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,"
                    + " TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
                    + " TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]"), s);
            assertTrue(s.contains("namedGroups=[secp256r1, secp384r1]"), s);
            assertTrue(s.endsWith(", fips=BouncyCastle Security Provider (FIPS edition) v2.1.2 in approved-only mode)"), s);
            assertTrue(ctx.isFips());
        } else {
            assertTrue(s.contains("cipherSuites=[TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256,"
                    + " TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), s);
            assertTrue(s.contains("namedGroups=[X25519MLKEM768, x25519, secp256r1, secp384r1]"), s);
            assertTrue(s.endsWith(", fips=no)"), s);
            assertFalse(ctx.isFips());
        }
        for (String suite : CipherSuites.DEFAULTS) {
            assertFalse(suite.contains("CBC") || suite.contains("NULL") || suite.contains("anon")
                    || suite.contains("EXPORT"), suite);
        }
        // ChaCha20 only after every AES-GCM suite of the same protocol.
        assertTrue(CipherSuites.DEFAULTS.indexOf("TLS_AES_256_GCM_SHA384")
                < CipherSuites.DEFAULTS.indexOf("TLS_CHACHA20_POLY1305_SHA256"));
        assertTrue(CipherSuites.DEFAULTS.indexOf("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
                < CipherSuites.DEFAULTS.indexOf("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"));
    }

    @Test
    void cryptoUsesTheJdkForAesGcmAndAPrivateBouncyCastleForMlKem() throws Exception {
        SslWriteContext ctx = client().build();
        if (BuildMode.FIPS) {
            // The FIPS build: everything from the module's provider, which is not installed JVM-wide either.
            assertEquals("BCFIPS", crypto(ctx).getHelper().createCipher("AES/GCM/NoPadding").getProvider().getName());
            assertEquals("BCFIPS", crypto(ctx).getHelper().createKeyAgreement("ECDH").getProvider().getName());
            assertEquals("BCFIPS", crypto(ctx).getSecureRandom().getProvider().getName());
            assertNull(Security.getProvider("BCFIPS"), "BouncyCastle FIPS must not be installed JVM-wide");
            return;
        }
        assertEquals("SunJCE", crypto(ctx).getHelper().createCipher("AES/GCM/NoPadding").getProvider().getName());
        assertEquals("BC", crypto(ctx).getHelper().createKeyPairGenerator("ML-KEM").getProvider().getName());
        assertNull(Security.getProvider("BC"), "BouncyCastle must not be installed JVM-wide");
    }

    @Test
    void unknownCipherSuiteIsNamedWithTheSupportedOnes() {
        SSLException e = assertThrows(SSLException.class, () -> server().cipherSuites("TLS_FOO_BAR").build());
        assertTrue(e.getMessage().startsWith("unknown cipher suite TLS_FOO_BAR (supported: [TLS_AES_128_GCM_SHA256,"),
                e.getMessage());
        assertTrue(e.getMessage().contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), e.getMessage());
    }

    @Test
    void cipherSuiteNamesIgnoreCase() throws Exception {
        assertNotNull(server().cipherSuites("tls_aes_128_gcm_sha256").build());
    }

    @Test
    void emptyCipherSuiteListIsRefused() {
        SSLException e = assertThrows(SSLException.class, () -> server().cipherSuites().build());
        assertTrue(e.getMessage().startsWith("cipherSuites(): empty list; name at least one of"), e.getMessage());
    }

    @Test
    void cipherSuitesThatNoEnabledProtocolCanUseAreRefused() {
        SSLException e = assertThrows(SSLException.class,
                () -> server().protocols("TLSv1.2").cipherSuites("TLS_AES_128_GCM_SHA256").build());
        assertTrue(e.getMessage().contains("can be used with TLSv1.2 only"), e.getMessage());
    }

    @Test
    void tls12SuitesThatTheServerKeyCannotSignForAreRefused() {
        SSLException e = assertThrows(SSLException.class, () -> server().protocols("TLSv1.2")
                .cipherSuites("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").build());
        assertTrue(e.getMessage().contains("EC P-256 key"), e.getMessage());
    }

    @Test
    void unknownProtocolListsTheValidOnes() {
        SSLException e = assertThrows(SSLException.class, () -> server().protocols("TLSv1.4").build());
        assertEquals("unknown protocol \"TLSv1.4\" (valid: [TLSv1.3, TLSv1.2])", e.getMessage());
    }

    @Test
    void retiredProtocolsAreRefusedWithTheReason() {
        for (String p : new String[] {"TLSv1", "TLSv1.1", "SSLv3"}) {
            SSLException e = assertThrows(SSLException.class, () -> client().protocols("TLSv1.3", p).build());
            assertTrue(e.getMessage().startsWith("protocol " + p + " is not supported"), e.getMessage());
            assertTrue(e.getMessage().contains("RFC 8996"), e.getMessage());
        }
    }

    @Test
    void unknownNamedGroupListsTheSupportedOnes() {
        SSLException e = assertThrows(SSLException.class, () -> server().namedGroups("curve9999").build());
        assertTrue(e.getMessage().startsWith("unknown named group curve9999 (supported: [X25519MLKEM768,"),
                e.getMessage());
    }

    @Test
    void keyThatDoesNotMatchTheCertificateIsRefused() {
        SSLException e = assertThrows(SSLException.class,
                () -> SslWriteContext.forServer(TestPki.clientKey(), TestPki.serverChain()).build());
        assertTrue(e.getMessage().startsWith("the private key does not match the certificate CN=localhost"),
                e.getMessage());
        // An RSA key for an EC certificate too.
        SSLException e2 = assertThrows(SSLException.class,
                () -> SslWriteContext.forServer(TestPki.rsaServerKey(), TestPki.serverChain()).build());
        assertTrue(e2.getMessage().contains("does not match"), e2.getMessage());
        // From files: the client's key with the server's chain.
        SSLException e3 = assertThrows(SSLException.class, () -> SslWriteContext.forClient()
                .keyManager(TestPki.serverCertPem(), TestPki.clientKeyPem()).build());
        assertTrue(e3.getMessage().contains("does not match"), e3.getMessage());
    }

    @Test
    void expiredCertificateIsRefused() throws Exception {
        Instant past = Instant.now().minus(30, ChronoUnit.DAYS);
        X509Bundle expired = new CertificateBuilder().subject("CN=expired.test").ecp256()
                .notBefore(past.minus(365, ChronoUnit.DAYS)).notAfter(past)
                .addSanDnsName("expired.test")
                .buildIssuedBy(TestPki.caBundle());
        SSLException e = assertThrows(SSLException.class, () -> SslWriteContext.forServer(
                expired.getKeyPair().getPrivate(), expired.getCertificate()).build());
        assertTrue(e.getMessage().startsWith("the certificate CN=expired.test expired on "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; renew it"), e.getMessage());
    }

    @Test
    void badAlpnNamesAreRefused() {
        SSLException e = assertThrows(SSLException.class, () -> server().applicationProtocols("h2", "").build());
        assertTrue(e.getMessage().contains("expected: 1..255"), e.getMessage());
    }

    @Test
    void optionValuesAreCheckedWithNettyWording() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> server().option(SslWriteOption.MAX_RECORD_SIZE, 100));
        assertEquals("MAX_RECORD_SIZE: 100 (expected: 512..16384)", e.getMessage());
        assertEquals("MAX_RECORD_SIZE: 16385 (expected: 512..16384)", assertThrows(IllegalArgumentException.class,
                () -> server().option(SslWriteOption.MAX_RECORD_SIZE, 16385)).getMessage());
        assertEquals("MAX_PENDING_BYTES: 0 (expected: > 0)", assertThrows(IllegalArgumentException.class,
                () -> server().option(SslWriteOption.MAX_PENDING_BYTES, 0)).getMessage());
        assertEquals("HANDSHAKE_TIMEOUT_MILLIS: -1 (expected: >= 0)", assertThrows(IllegalArgumentException.class,
                () -> server().option(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS, -1L)).getMessage());
        assertEquals("CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS: -5 (expected: >= 0)",
                assertThrows(IllegalArgumentException.class,
                        () -> server().option(SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS, -5L)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> server().option(ChannelOption.SO_KEEPALIVE, true)).getMessage()
                .startsWith("unknown option SO_KEEPALIVE"));
        assertThrows(NullPointerException.class, () -> server().option(SslWriteOption.PARTIAL_WRITE, null));
        @SuppressWarnings({"unchecked", "rawtypes"})
        IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class,
                () -> server().option((ChannelOption) SslWriteOption.MAX_RECORD_SIZE, "big"));
        assertTrue(wrongType.getMessage().contains("(expected: Integer)"), wrongType.getMessage());
    }

    @Test
    void optionsAreTakenAtBuildTheLastValueWinning() throws Exception {
        SslWriteContext.Builder builder = server()
                .option(SslWriteOption.MAX_RECORD_SIZE, 512)
                .option(SslWriteOption.PARTIAL_WRITE, true)
                .option(SslWriteOption.RENEGOTIATION, Renegotiation.ACCEPT)
                .option(SslWriteOption.MAX_RECORD_SIZE, 4096);
        SslWriteContext ctx = builder.build();
        builder.option(SslWriteOption.MAX_RECORD_SIZE, 1024).option(SslWriteOption.AUTO_RETRY, false);
        SslWriteHandler h = ctx.newHandler(ByteBufAllocator.DEFAULT);
        assertEquals(4096, h.getOption(SslWriteOption.MAX_RECORD_SIZE));
        assertEquals(true, h.getOption(SslWriteOption.PARTIAL_WRITE));
        assertEquals(Renegotiation.ACCEPT, h.getOption(SslWriteOption.RENEGOTIATION));
        assertEquals(true, h.getOption(SslWriteOption.AUTO_RETRY), "set on the builder after build()");
        assertEquals(Renegotiation.DENY, server().build().newHandler(ByteBufAllocator.DEFAULT)
                .getOption(SslWriteOption.RENEGOTIATION), "a server's default");
        assertEquals(1024, builder.build().newHandler(ByteBufAllocator.DEFAULT).getOption(SslWriteOption.MAX_RECORD_SIZE));
    }

    /** The context's crypto, as its peers get it. */
    static JcaTlsCrypto crypto(SslWriteContext ctx) {
        return (JcaTlsCrypto) ctx.peers(null, -1).newPeer(new RecordingListener()).getCrypto();
    }

    // ---------------------------------------------------------------- handshakes in memory

    /** Records what a peer reports, as the handler would see it. */
    static final class RecordingListener implements PeerListener {
        int handshakes;
        final List<String> raised = new ArrayList<>();
        final List<Short> raisedCodes = new ArrayList<>();
        final List<Short> received = new ArrayList<>();

        @Override
        public void handshakeComplete() {
            handshakes++;
        }

        @Override
        public void alertRaised(short level, short description, String message, Throwable cause) {
            raisedCodes.add(description);
            raised.add(AlertDescription.getText(description) + ": " + message);
        }

        @Override
        public void alertReceived(short level, short description) {
            received.add(description);
        }
    }

    static final class ClientProtocol extends TlsClientProtocol {
        TlsContext context() {
            return getContext();
        }
    }

    static final class ServerProtocol extends TlsServerProtocol {
        TlsContext context() {
            return getContext();
        }
    }

    /** Two bctls protocols wired back to back; {@link #run} moves bytes until neither has any to send. */
    static final class Pair {
        final ClientProtocol clientProtocol = new ClientProtocol();
        final ServerProtocol serverProtocol = new ServerProtocol();
        final RecordingListener clientListener = new RecordingListener();
        final RecordingListener serverListener = new RecordingListener();
        final TlsPeer clientPeer;
        final TlsPeer serverPeer;
        IOException clientFailure;
        IOException serverFailure;

        Pair(SslWriteContext client, String peerHost, SslWriteContext server) {
            clientPeer = client.peers(peerHost, 443).newPeer(clientListener);
            serverPeer = server.peers(null, -1).newPeer(serverListener);
            assertTrue(clientPeer instanceof TlsClient);
            assertTrue(serverPeer instanceof TlsServer);
        }

        Pair run() throws IOException {
            serverProtocol.accept((TlsServer) serverPeer);
            clientProtocol.connect((TlsClient) clientPeer);
            boolean moved = true;
            while (moved) {
                moved = false;
                if (clientProtocol.getAvailableOutputBytes() > 0) {
                    moved = true;
                    try {
                        serverProtocol.offerInput(drain(clientProtocol));
                    } catch (IOException e) {
                        serverFailure = e;
                    }
                }
                if (serverProtocol.getAvailableOutputBytes() > 0) {
                    moved = true;
                    try {
                        // As SslWriteHandler does with each record of the first handshake.
                        byte[] fromServer = drain(serverProtocol);
                        ((BcTlsClient) clientPeer).observeServerRecord(fromServer, fromServer.length);
                        clientProtocol.offerInput(fromServer);
                    } catch (IOException e) {
                        clientFailure = e;
                    }
                }
            }
            return this;
        }

        private static byte[] drain(org.bouncycastle.tls.TlsProtocol p) {
            byte[] b = new byte[p.getAvailableOutputBytes()];
            p.readOutput(b, 0, b.length);
            return b;
        }

        boolean succeeded() {
            return clientFailure == null && serverFailure == null
                    && clientListener.handshakes == 1 && serverListener.handshakes == 1;
        }

        SslWriteSession clientSession() {
            return new SslWriteSession(clientProtocol.context(), clientPeer, 0);
        }

        SslWriteSession serverSession() {
            return new SslWriteSession(serverProtocol.context(), serverPeer, 0);
        }

        /** Application data both ways, to show the keys agree. */
        void assertDataFlows() throws IOException {
            byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
            clientProtocol.writeApplicationData(hello, 0, hello.length);
            serverProtocol.offerInput(drain(clientProtocol));
            byte[] got = new byte[serverProtocol.getAvailableInputBytes()];
            serverProtocol.readInput(got, 0, got.length);
            assertArrayEquals(hello, got);
            serverProtocol.writeApplicationData(hello, 0, hello.length);
            clientProtocol.offerInput(drain(serverProtocol));
            got = new byte[clientProtocol.getAvailableInputBytes()];
            clientProtocol.readInput(got, 0, got.length);
            assertArrayEquals(hello, got);
        }

        String describe() {
            return "client failure " + clientFailure + ", raised " + clientListener.raised + "; server failure "
                    + serverFailure + ", raised " + serverListener.raised;
        }
    }

    private static Pair handshake(SslWriteContext.Builder client, String host, SslWriteContext.Builder server)
            throws Exception {
        return new Pair(client.build(), host, server.build()).run();
    }

    @Test
    void defaultsNegotiateTls13WithX25519MlKem768AndAes128Gcm() throws Exception {
        Pair p = handshake(client(), "localhost", server());
        assertTrue(p.succeeded(), p.describe());
        SslWriteSession c = p.clientSession();
        SslWriteSession s = p.serverSession();
        for (SslWriteSession session : new SslWriteSession[] {c, s}) {
            assertEquals("TLSv1.3", session.protocol());
            assertEquals(BuildMode.DEFAULT_GROUP, session.namedGroup());
            assertEquals("TLS_AES_128_GCM_SHA256", session.cipherSuite());
            assertNull(session.applicationProtocol());
            assertEquals(0, session.renegotiations());
        }
        assertArrayEquals(TestPki.serverChain(), c.peerCertificates());
        assertEquals(0, s.peerCertificates().length);
        assertTrue(c.toString().startsWith("SslWriteSession(TLSv1.3, TLS_AES_128_GCM_SHA256, " + BuildMode.DEFAULT_GROUP + ","),
                c.toString());
        // peerCertificates() is a copy.
        c.peerCertificates()[0] = null;
        assertNotNull(c.peerCertificates()[0]);
        p.assertDataFlows();
    }

    @Test
    void clientSendsSniForAHostNameButNotForAnIpLiteral() throws Exception {
        Pair named = handshake(client(), "LocalHost.", server());
        assertTrue(named.succeeded(), named.describe());
        // Lower case, no trailing dot (RFC 6066 §3).
        assertEquals("localhost", ((BcTlsServer) named.serverPeer).sniHostName());

        Pair ip = handshake(client(), "127.0.0.1", server());
        assertTrue(ip.succeeded(), ip.describe());
        assertNull(((BcTlsServer) ip.serverPeer).sniHostName());
    }

    @Test
    void tls12IsNegotiatedWhenTheClientAsksForItOnly() throws Exception {
        Pair p = handshake(client().protocols("TLSv1.2"), "localhost", server());
        assertTrue(p.succeeded(), p.describe());
        for (SslWriteSession s : new SslWriteSession[] {p.clientSession(), p.serverSession()}) {
            assertEquals("TLSv1.2", s.protocol());
            assertEquals("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", s.cipherSuite());
            // The first default group TLS 1.2 can use (not the hybrid): x25519, or P-256 in FIPS.
            assertEquals(BuildMode.FIPS ? "secp256r1" : "x25519", s.namedGroup());
        }
        p.assertDataFlows();
    }

    @Test
    void rsaServerWorksWithTls13AndTls12() throws Exception {
        SslWriteContext.Builder rsa = SslWriteContext.forServer(TestPki.rsaServerCertPem(), TestPki.rsaServerKeyPem());
        Pair p13 = handshake(client(), "localhost", rsa);
        assertTrue(p13.succeeded(), p13.describe());
        assertEquals("TLSv1.3", p13.clientSession().protocol());

        Pair p12 = handshake(client().protocols("TLSv1.2").namedGroups("secp256r1"), "localhost",
                SslWriteContext.forServer(TestPki.rsaServerCertPem(), TestPki.rsaServerKeyPem()));
        assertTrue(p12.succeeded(), p12.describe());
        assertEquals("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", p12.clientSession().cipherSuite());
        assertEquals("secp256r1", p12.clientSession().namedGroup());
        assertEquals("secp256r1", p12.serverSession().namedGroup());
    }

    @Test
    void configuredGroupAndSuiteAreTheOnesNegotiated() throws Exception {
        // Neither x25519 nor ChaCha20-Poly1305 is FIPS-approved: the FIPS build uses P-384 and AES-256.
        String group = BuildMode.FIPS ? "secp384r1" : "x25519";
        String suite = BuildMode.FIPS ? "TLS_AES_256_GCM_SHA384" : "TLS_CHACHA20_POLY1305_SHA256";
        Pair p = handshake(client().namedGroups(group).cipherSuites(suite), "localhost", server());
        assertTrue(p.succeeded(), p.describe());
        assertEquals(group, p.serverSession().namedGroup());
        assertEquals(group, p.clientSession().namedGroup());
        assertEquals(suite, p.serverSession().cipherSuite());

        Pair q = handshake(client().namedGroups("P-256"), "localhost", server());
        assertTrue(q.succeeded(), q.describe());
        assertEquals("secp256r1", q.clientSession().namedGroup());
    }

    @Test
    void serverOrderPicksAesGcmOverChaCha20() throws Exception {
        // The FIPS build has no ChaCha20: its server order puts AES-128-GCM before AES-256-GCM.
        String clientFirst = BuildMode.FIPS ? "TLS_AES_256_GCM_SHA384" : "TLS_CHACHA20_POLY1305_SHA256";
        String serverFirst = BuildMode.FIPS ? "TLS_AES_128_GCM_SHA256" : "TLS_AES_256_GCM_SHA384";
        Pair p = handshake(client().cipherSuites(clientFirst, serverFirst), "localhost", server());
        assertTrue(p.succeeded(), p.describe());
        assertEquals(serverFirst, p.clientSession().cipherSuite());
    }

    @Test
    void alpnPicksTheServersFirstCommonProtocol() throws Exception {
        Pair p = handshake(client().applicationProtocols("http/1.1", "h2"), "localhost",
                server().applicationProtocols("h2", "http/1.1"));
        assertTrue(p.succeeded(), p.describe());
        assertEquals("h2", p.clientSession().applicationProtocol());
        assertEquals("h2", p.serverSession().applicationProtocol());

        Pair none = handshake(client(), "localhost", server().applicationProtocols("h2"));
        assertTrue(none.succeeded(), none.describe());
        assertNull(none.clientSession().applicationProtocol());
    }

    @Test
    void clientAuthRequireWithAClientCertificate() throws Exception {
        for (String version : new String[] {"TLSv1.3", "TLSv1.2"}) {
            Pair p = handshake(client().protocols(version).keyManager(TestPki.clientCertPem(), TestPki.clientKeyPem()),
                    "localhost", server().clientAuth(ClientAuth.REQUIRE).trustManager(TestPki.caPem()));
            assertTrue(p.succeeded(), version + ": " + p.describe());
            assertEquals(version, p.serverSession().protocol());
            assertArrayEquals(TestPki.clientChain(), p.serverSession().peerCertificates());
        }
    }

    @Test
    void clientAuthRequireWithoutAClientCertificateFailsWithCertificateRequired() throws Exception {
        Pair p = handshake(client(), "localhost",
                server().clientAuth(ClientAuth.REQUIRE).trustManager(TestPki.caPem()));
        assertFalse(p.succeeded());
        TlsFatalAlert alert = (TlsFatalAlert) p.serverFailure;
        assertEquals(AlertDescription.certificate_required, alert.getAlertDescription());
        assertTrue(alert.getMessage().contains("client sent no certificate, but this server requires one"),
                alert.getMessage());
        assertEquals(List.of(AlertDescription.certificate_required), p.serverListener.raisedCodes);
        assertEquals(List.of(AlertDescription.certificate_required), p.clientListener.received);
        assertEquals(0, p.serverListener.handshakes);

        Pair tls12 = handshake(client().protocols("TLSv1.2"), "localhost",
                server().clientAuth(ClientAuth.REQUIRE).trustManager(TestPki.caPem()));
        assertEquals(AlertDescription.handshake_failure, ((TlsFatalAlert) tls12.serverFailure).getAlertDescription());
    }

    @Test
    void clientAuthOptionalWithoutAClientCertificateSucceeds() throws Exception {
        Pair p = handshake(client(), "localhost",
                server().clientAuth(ClientAuth.OPTIONAL).trustManager(TestPki.caPem()));
        assertTrue(p.succeeded(), p.describe());
        assertEquals(0, p.serverSession().peerCertificates().length);
    }

    @Test
    void clientCertificateFromAnotherCaIsRejected() throws Exception {
        Pair p = handshake(client().keyManager(TestPki.clientCertPem(), TestPki.clientKeyPem()), "localhost",
                server().clientAuth(ClientAuth.REQUIRE).trustManager(TestPki.wrongCaPem()));
        assertFalse(p.succeeded());
        TlsFatalAlert alert = (TlsFatalAlert) p.serverFailure;
        assertEquals(AlertDescription.unknown_ca, alert.getAlertDescription());
        assertTrue(alert.getMessage().startsWith("unknown_ca(48); client certificate for CN=sslwrite test client not trusted:"
                + " no path to a trust anchor (1 trust anchor loaded)"), alert.getMessage());
    }

    @Test
    void serverCertificateFromAnotherCaIsRejected() throws Exception {
        Pair p = handshake(SslWriteContext.forClient().trustManager(TestPki.wrongCaPem()), "localhost", server());
        assertFalse(p.succeeded());
        TlsFatalAlert alert = (TlsFatalAlert) p.clientFailure;
        assertEquals(AlertDescription.unknown_ca, alert.getAlertDescription());
        assertTrue(alert.getMessage().startsWith("unknown_ca(48); server certificate for CN=localhost not trusted:"
                + " no path to a trust anchor (1 trust anchor loaded)"), alert.getMessage());
        assertEquals(List.of(AlertDescription.unknown_ca), p.serverListener.received);
        assertEquals(0, p.clientListener.handshakes);
    }

    @Test
    void jdkDefaultTrustStoreRejectsTheTestCa() throws Exception {
        Pair p = handshake(SslWriteContext.forClient(), "localhost", server());
        assertFalse(p.succeeded());
        TlsFatalAlert alert = (TlsFatalAlert) p.clientFailure;
        assertEquals(AlertDescription.unknown_ca, alert.getAlertDescription());
        assertTrue(alert.getMessage().contains("no path to a trust anchor (the JDK default trust store, "),
                alert.getMessage());
    }

    @Test
    void trustManagerFromCertificatesAndFactoryWork() throws Exception {
        Pair fromCerts = handshake(SslWriteContext.forClient().trustManager(TestPki.caCertificate()), "localhost",
                server());
        assertTrue(fromCerts.succeeded(), fromCerts.describe());
        Pair fromFactory = handshake(SslWriteContext.forClient().trustManager(TestPki.caBundle().toTrustManagerFactory()),
                "localhost", server());
        assertTrue(fromFactory.succeeded(), fromFactory.describe());
    }

    @Test
    void hostNameMismatchFailsWithTheNamesOfTheCertificate() throws Exception {
        Pair p = handshake(client(), "example.com", server());
        assertFalse(p.succeeded());
        TlsFatalAlert alert = (TlsFatalAlert) p.clientFailure;
        assertEquals(AlertDescription.certificate_unknown, alert.getAlertDescription());
        assertEquals("certificate_unknown(46); host name example.com does not match the server certificate"
                + " (subjectAltNames: [DNS:localhost, IP:127.0.0.1])", alert.getMessage());
        assertEquals(List.of(AlertDescription.certificate_unknown), p.serverListener.received);
    }

    @Test
    void hostNamesThatTheCertificateHoldsAreAccepted() throws Exception {
        for (String host : new String[] {"localhost", "LOCALHOST", "localhost.", "127.0.0.1"}) {
            Pair p = handshake(client(), host, server());
            assertTrue(p.succeeded(), host + ": " + p.describe());
        }
        Pair wrongIp = handshake(client(), "127.0.0.2", server());
        assertFalse(wrongIp.succeeded());
        // No host: no verification, as for a server-side handler.
        Pair noHost = handshake(client(), null, server());
        assertTrue(noHost.succeeded(), noHost.describe());
    }

    /** RFC 6125 rules on certificates made for the purpose. */
    @Nested
    class HostNames {
        private X509Certificate cert(String cn, String... dnsSans) throws Exception {
            CertificateBuilder b = new CertificateBuilder().subject("CN=" + cn).ecp256();
            if (dnsSans.length > 0) {
                // Encoded here: CertificateBuilder.addSanDnsName refuses wildcards.
                GeneralName[] names = new GeneralName[dnsSans.length];
                for (int i = 0; i < names.length; i++) {
                    names[i] = new GeneralName(GeneralName.dNSName, dnsSans[i]);
                }
                b.addExtensionOctetString(Extension.subjectAlternativeName.getId(), false,
                        new GeneralNames(names).getEncoded());
            }
            return b.buildIssuedBy(TestPki.caBundle()).getCertificate();
        }

        private boolean matches(String host, X509Certificate cert) {
            try {
                HostnameVerifier.verify(host, cert);
                return true;
            } catch (TlsFatalAlert e) {
                return false;
            }
        }

        @Test
        void wildcardMatchesExactlyOneLeftMostLabel() throws Exception {
            X509Certificate c = cert("wild", "*.example.com");
            assertTrue(matches("a.example.com", c));
            assertTrue(matches("A.Example.COM", c));
            assertFalse(matches("example.com", c));
            assertFalse(matches("a.b.example.com", c));
            assertFalse(matches("aexample.com", c));
        }

        @Test
        void wildcardOverATopLevelDomainNeverMatches() throws Exception {
            assertFalse(matches("example.com", cert("tld", "*.com")));
        }

        @Test
        void commonNameIsUsedOnlyWithoutSubjectAltNames() throws Exception {
            assertTrue(matches("foo.test", cert("foo.test")));
            assertFalse(matches("foo.test", cert("foo.test", "bar.test")));
            assertTrue(matches("bar.test", cert("foo.test", "bar.test")));
        }
    }
}
