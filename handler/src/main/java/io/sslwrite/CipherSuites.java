package io.sslwrite;

import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.KeyExchangeAlgorithm;
import org.bouncycastle.tls.TlsUtils;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cipher suites sslwrite accepts, by IANA name ("TLS_AES_128_GCM_SHA256"). bctls's
 * {@code CipherSuite} holds only the code points, so this table is the name mapping for
 * {@link SslWriteContext.Builder#cipherSuites} and {@link SslWriteSession#cipherSuite()}.
 *
 * <p>Only forward-secret suites (ECDHE, DHE, TLS 1.3) with AEAD or, on request, CBC are here: no
 * NULL, anonymous, export or static-RSA suites can be named at all.
 */
final class CipherSuites {

    /** IANA name to code point, in the order {@link #supportedNames()} lists them. */
    private static final Map<String, Integer> BY_NAME = new LinkedHashMap<>();

    static {
        // TLS 1.3 (RFC 8446 §B.4)
        add("TLS_AES_128_GCM_SHA256", CipherSuite.TLS_AES_128_GCM_SHA256);
        add("TLS_AES_256_GCM_SHA384", CipherSuite.TLS_AES_256_GCM_SHA384);
        add("TLS_CHACHA20_POLY1305_SHA256", CipherSuite.TLS_CHACHA20_POLY1305_SHA256);
        // TLS 1.2 AEAD (RFC 5289, RFC 7905)
        add("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
        add("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
        add("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384);
        add("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384);
        add("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256);
        add("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256);
        add("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", CipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256);
        add("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", CipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384);
        // TLS 1.2 CBC, for old peers only; never on by default (Lucky 13 and friends).
        add("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256);
        add("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256);
        add("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384);
        add("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384);
        add("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA);
        add("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA);
        add("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA);
        add("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA);
    }

    /**
     * The default order (DESIGN §6): TLS 1.3 first; AES-GCM before ChaCha20 because the JDK runs
     * AES-GCM on AES-NI and CLMUL intrinsics, while ChaCha20 comes from BouncyCastle's pure Java.
     */
    static final List<String> DEFAULTS = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private CipherSuites() { }

    private static void add(String name, int code) {
        BY_NAME.put(name, code);
    }

    /** The code point of {@code name} (any case), or -1 if sslwrite does not offer it. */
    static int code(String name) {
        Integer code = BY_NAME.get(name.toUpperCase(Locale.ROOT));
        return code == null ? -1 : code;
    }

    /** The IANA name of {@code code}; bctls's own text ("0x1301") for a suite outside the table. */
    static String name(int code) {
        for (Map.Entry<String, Integer> e : BY_NAME.entrySet()) {
            if (e.getValue() == code) {
                return e.getKey();
            }
        }
        return String.format("0x%04X", code);
    }

    /** Every name {@link #code} accepts. */
    static List<String> supportedNames() {
        return Collections.unmodifiableList(new ArrayList<>(BY_NAME.keySet()));
    }

    /** {@code true} for a TLS 1.3 suite, which carries no key exchange or signature of its own. */
    static boolean isTls13(int code) {
        return TlsUtils.getKeyExchangeAlgorithm(code) == KeyExchangeAlgorithm.NULL;
    }

    /**
     * The TLS 1.2 signature the suite's ServerKeyExchange needs: "EC" for ECDHE_ECDSA, "RSA" for
     * ECDHE_RSA and DHE_RSA, null for TLS 1.3 suites (any key signs those).
     */
    static String serverKeyType(int code) {
        switch (TlsUtils.getKeyExchangeAlgorithm(code)) {
            case KeyExchangeAlgorithm.ECDHE_ECDSA:
                return "EC";
            case KeyExchangeAlgorithm.ECDHE_RSA:
            case KeyExchangeAlgorithm.DHE_RSA:
                return "RSA";
            default:
                return null;
        }
    }
}
