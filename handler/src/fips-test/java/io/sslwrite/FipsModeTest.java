package io.sslwrite;

import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.TlsPair;
import org.bouncycastle.crypto.CryptoServicesRegistrar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLException;
import java.security.Provider;
import java.security.Security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FIPS build (sslwrite-handler-fips, compiled and run only with -Pfips): the module runs in
 * approved-only mode, every context says it is FIPS, non-approved choices are refused at build() by
 * name, and approved ones carry data on the module's crypto.
 */
class FipsModeTest {

    @Test
    void theModuleRunsInApprovedOnlyModeAndEveryContextSaysFips() throws Exception {
        assertTrue(CryptoServicesRegistrar.isInApprovedOnlyMode(), "surefire sets org.bouncycastle.fips.approved_only");
        SslWriteContext client = SslWriteContext.forClient().build();
        SslWriteContext server = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build();
        assertTrue(client.isFips());
        assertTrue(server.isFips());
        assertTrue(server.toString().endsWith(
                ", fips=BouncyCastle Security Provider (FIPS edition) v2.1.2 in approved-only mode)"), server.toString());
        // No bcprov on the class path, and nothing installed JVM-wide: the module's provider is private.
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.bouncycastle.jce.provider.BouncyCastleProvider"));
        for (Provider p : Security.getProviders()) {
            assertFalse(p.getName().startsWith("BC"), p.getName());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x25519", "x448", "X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024"})
    void aGroupTheModuleDoesNotApproveIsRefusedByName(String group) {
        SSLException e = assertThrows(SSLException.class,
                () -> SslWriteContext.forClient().namedGroups("secp256r1", group).build());
        assertTrue(e.getMessage().startsWith("named group " + group + " is refused: this is the FIPS build, which"
                + " offers only what BouncyCastle Security Provider (FIPS edition) v2.1.2 in approved-only mode"
                + " approves; remove it (approved: [secp256r1, secp384r1, secp521r1, ffdhe2048, ffdhe3072, ffdhe4096])"),
                e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"})
    void aChaCha20SuiteIsRefusedByName(String suite) {
        SSLException e = assertThrows(SSLException.class,
                () -> SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                        .cipherSuites("TLS_AES_128_GCM_SHA256", suite).build());
        assertTrue(e.getMessage().startsWith("cipher suite " + suite + " is refused: this is the FIPS build"),
                e.getMessage());
        assertTrue(e.getMessage().contains("(approved: [TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,"),
                e.getMessage());
    }

    /**
     * Approved choices carry data on sslwrite's AES-GCM record cipher over the module, and both sides
     * report the group (bctls-fips records none: sslwrite works it out).
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
            "TLSv1.3, TLS_AES_128_GCM_SHA256, secp256r1",
            "TLSv1.3, TLS_AES_256_GCM_SHA384, secp384r1",
            "TLSv1.3, TLS_AES_128_GCM_SHA256, secp521r1",
            "TLSv1.3, TLS_AES_128_GCM_SHA256, ffdhe2048",
            "TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, secp256r1",
            "TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, secp384r1",
            "TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, secp256r1",
    })
    void approvedChoicesCarryDataBothWays(String protocol, String suite, String group) {
        try (TlsPair pair = TlsPair.handshaken(c -> c.protocols(protocol).cipherSuites(suite).namedGroups(group),
                s -> s.namedGroups(group).cipherSuites(suite))) {
            assertEquals(suite, pair.clientHandler().session().cipherSuite());
            assertEquals(group, pair.clientHandler().session().namedGroup());
            assertEquals(group, pair.serverHandler().session().namedGroup());
            pair.client().writeAndFlush(pair.heapBuffer(100_000));
            pair.server().writeAndFlush(pair.directBuffer(pair.server().alloc(), 70_000));
            pair.transfer();
            assertArrayEquals(TlsPair.pattern(100_000), pair.serverReceived());
            assertArrayEquals(TlsPair.pattern(70_000), pair.clientReceived());
        }
    }

    /**
     * TLS 1.2 AES-GCM nonces come from the module's FipsNonceGenerator (IG C.H): the crypto names a
     * generator factory, which AesGcmRecordCipher takes. Its counter starts where the sequence number
     * does, so the wire cannot tell the two apart; the factory is what the test can see.
     */
    @Test
    void tls12NoncesComeFromTheModulesNonceGenerator() throws Exception {
        assertNotNull(ContextBuilderTest.crypto(SslWriteContext.forClient().build()).getFipsGCMNonceGeneratorFactory());
    }
}
