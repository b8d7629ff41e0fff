package io.sslwrite;

import io.sslwrite.testing.BuildMode;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.net.ssl.SSLException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §6: every default suite carries data both ways. AES-GCM runs on sslwrite's own record cipher
 * ({@code AesGcmRecordCipher}), ChaCha20-Poly1305 on bctls's; the record sizes on the wire show each
 * suite's overhead.
 */
class CipherSuitesTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "TLSv1.3, TLS_AES_128_GCM_SHA256, 17",
            "TLSv1.3, TLS_AES_256_GCM_SHA384, 17",
            "TLSv1.3, TLS_CHACHA20_POLY1305_SHA256, 17",
            "TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 24",
            "TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 24",
            "TLSv1.2, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 16",
    })
    void eachSuiteCarriesDataBothWaysInRecordsOfItsOwnOverhead(String protocol, String suite, int overhead) {
        if (BuildMode.FIPS && suite.contains("CHACHA20")) {
            // ChaCha20-Poly1305 is no FIPS algorithm: the FIPS build refuses it by name at build().
            SSLException e = assertThrows(SSLException.class,
                    () -> SslWriteContext.forClient().protocols(protocol).cipherSuites(suite).build());
            assertTrue(e.getMessage().startsWith("cipher suite " + suite + " is refused: this is the FIPS build"),
                    e.getMessage());
            return;
        }
        try (TlsPair pair = TlsPair.handshaken(c -> c.protocols(protocol).cipherSuites(suite), s -> { })) {
            assertEquals(suite, pair.clientHandler().session().cipherSuite());
            assertEquals(protocol, pair.serverHandler().session().protocol());
            pair.client().writeAndFlush(pair.heapBuffer(100_000));
            pair.server().writeAndFlush(pair.directBuffer(pair.server().alloc(), 70_000));
            pair.transfer();
            assertArrayEquals(TlsPair.pattern(100_000), pair.serverReceived());
            assertArrayEquals(TlsPair.pattern(70_000), pair.clientReceived());
            assertEquals(16384 + overhead, pair.clientRecords().applicationData().get(0).length());
        }
    }
}
