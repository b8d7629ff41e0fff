package io.sslwrite;

import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import javax.net.ssl.SSLException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.function.ToIntFunction;

/**
 * The checks {@link SslWriteContext.Builder#build()} makes of a configuration as a whole: names of
 * protocols, suites and groups, ALPN names, the key against its certificate, the suites a server's key
 * can sign for, and what the crypto providers offer. Each failure is an {@link SSLException} that
 * says what is wrong and what would be right.
 */
final class ContextChecks {

    static final List<String> VALID_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** Names of the protocols RFC 8996 retired; refused with a reason rather than as unknown. */
    private static final List<String> RETIRED_PROTOCOLS = List.of("TLSv1.1", "TLSv1", "SSLv3", "SSLv2", "SSLv2Hello");

    private ContextChecks() {
    }

    /** "TLSv1.3" and/or "TLSv1.2", newest first; null: both. */
    static ProtocolVersion[] protocols(String[] protocols) throws SSLException {
        if (protocols == null) {
            return ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv12);
        }
        if (protocols.length == 0) {
            throw new SSLException("protocols(): no protocol given (valid: " + VALID_PROTOCOLS + ")");
        }
        boolean tls13 = false;
        boolean tls12 = false;
        for (String p : protocols) {
            if (p == null) {
                throw new SSLException("protocols(): null protocol name (valid: " + VALID_PROTOCOLS + ")");
            }
            String name = p.trim();
            if (name.equalsIgnoreCase("TLSv1.3")) {
                tls13 = true;
            } else if (name.equalsIgnoreCase("TLSv1.2")) {
                tls12 = true;
            } else if (RETIRED_PROTOCOLS.stream().anyMatch(name::equalsIgnoreCase)) {
                throw new SSLException("protocol " + p + " is not supported: sslwrite speaks TLSv1.3 and TLSv1.2"
                        + " only (RFC 8996 retired TLS 1.0 and 1.1; SSL is broken); use " + VALID_PROTOCOLS);
            } else {
                throw new SSLException("unknown protocol \"" + p + "\" (valid: " + VALID_PROTOCOLS + ")");
            }
        }
        if (tls13 && tls12) {
            return ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv12);
        }
        return new ProtocolVersion[] {tls13 ? ProtocolVersion.TLSv13 : ProtocolVersion.TLSv12};
    }

    /** IANA suite names to codes, in order; at least one must suit {@code versions}. */
    static int[] cipherSuites(String[] cipherSuites, ProtocolVersion[] versions) throws SSLException {
        List<String> names = cipherSuites == null ? CipherSuites.DEFAULTS : Arrays.asList(cipherSuites);
        int[] codes = codes(names, "cipherSuites()", "cipher suite", CipherSuites::code, CipherSuites.supportedNames());
        for (int code : codes) {
            for (ProtocolVersion v : versions) {
                if (TlsUtils.isValidVersionForCipherSuite(code, v)) {
                    return codes;
                }
            }
        }
        throw new SSLException("none of the cipher suites " + names + " can be used with "
                + describe(versions) + ": TLS 1.3 suites (TLS_AES_*, TLS_CHACHA20_*) need TLSv1.3,"
                + " the others TLSv1.2");
    }

    static int[] namedGroups(String[] namedGroups) throws SSLException {
        List<String> names = namedGroups == null ? NamedGroups.DEFAULTS : Arrays.asList(namedGroups);
        return codes(names, "namedGroups()", "named group", NamedGroups::code, NamedGroups.supportedNames());
    }

    /** Names to codes without repeats, refusing an empty list or an unknown name with the supported ones. */
    private static int[] codes(List<String> names, String method, String what, ToIntFunction<String> code,
                               Object supported) throws SSLException {
        if (names.isEmpty()) {
            throw new SSLException(method + ": empty list; name at least one of " + supported);
        }
        List<Integer> codes = new ArrayList<>();
        for (String name : names) {
            int c = name == null ? -1 : code.applyAsInt(name.trim());
            if (c < 0) {
                throw new SSLException("unknown " + what + " " + name + " (supported: " + supported + ")");
            }
            if (!codes.contains(c)) {
                codes.add(c);
            }
        }
        return codes.stream().mapToInt(Integer::intValue).toArray();
    }

    static void applicationProtocols(String[] applicationProtocols) throws SSLException {
        if (applicationProtocols == null) {
            return;
        }
        for (String p : applicationProtocols) {
            // RFC 7301 §3.1: each name is 1..255 bytes.
            int len = p == null ? 0 : p.getBytes(StandardCharsets.UTF_8).length;
            if (len < 1 || len > 255) {
                throw new SSLException("applicationProtocols(): \"" + p + "\" is " + len
                        + " bytes long (expected: 1..255, RFC 7301 §3.1)");
            }
        }
    }

    static void credentials(KeyCredentials c) throws SSLException {
        X509Certificate leaf = c.chain[0];
        String subject = leaf.getSubjectX500Principal().getName();
        if (!c.isSupportedKeyType()) {
            throw new SSLException("the certificate " + subject + " has a " + c.keyType()
                    + " key; sslwrite signs with EC (P-256, P-384, P-521) and RSA keys only");
        }
        if (!keyMatches(c.key, leaf.getPublicKey())) {
            throw new SSLException("the private key does not match the certificate " + subject
                    + " (a test signature by the key does not verify with the certificate's public key);"
                    + " check that the key file belongs to the first certificate of the chain");
        }
        // Only the leaf: chains sometimes carry an expired cross-signed root for old clients, which
        // peers skip when they find a trusted path without it.
        Date now = new Date();
        if (now.after(leaf.getNotAfter())) {
            throw new SSLException("the certificate " + subject + " expired on " + leaf.getNotAfter().toInstant()
                    + "; renew it");
        }
        if (now.before(leaf.getNotBefore())) {
            throw new SSLException("the certificate " + subject + " is not valid before "
                    + leaf.getNotBefore().toInstant() + "; check the system clock or the certificate");
        }
    }

    /** A TLS 1.2-only server needs a TLS 1.2 suite its key can sign for. */
    static void serverSuites(KeyCredentials c, ProtocolVersion[] versions, int[] suites) throws SSLException {
        for (int suite : suites) {
            for (ProtocolVersion v : versions) {
                if (TlsUtils.isValidVersionForCipherSuite(suite, v)) {
                    String needed = CipherSuites.serverKeyType(suite);
                    if (needed == null || needed.equals(c.keyType())) {
                        return;
                    }
                }
            }
        }
        throw new SSLException("none of the cipher suites fits the server's " + c.describeKey() + " key with "
                + describe(versions) + ": TLS 1.2 needs an ECDHE_ECDSA suite for an EC key and an ECDHE_RSA"
                + " suite for an RSA key");
    }

    static void cryptoSupport(JcaTlsCrypto crypto, int[] suites, int[] groups) throws SSLException {
        for (int suite : suites) {
            if (TlsUtils.getSupportedCipherSuites(crypto, new int[] {suite}).length == 0) {
                throw new SSLException("cipher suite " + CipherSuites.name(suite)
                        + " is not available from the JDK's or BouncyCastle's providers; remove it");
            }
        }
        for (int group : groups) {
            if (!TlsUtils.isSupportedNamedGroup(crypto, group)) {
                throw new SSLException("named group " + NamedGroups.name(group)
                        + " is not available from the JDK's or BouncyCastle's providers; remove it");
            }
        }
    }

    /** Signs a test value with {@code key} and verifies it with {@code pub}. */
    private static boolean keyMatches(PrivateKey key, PublicKey pub) {
        String alg = pub.getAlgorithm().toUpperCase(Locale.ROOT);
        String sigAlg;
        if (alg.equals("EC")) {
            sigAlg = "SHA256withECDSA";
        } else if (alg.equals("RSA")) {
            sigAlg = "SHA256withRSA";
        } else {
            return true;        // refused elsewhere as an unsupported key type
        }
        if (!key.getAlgorithm().equalsIgnoreCase(pub.getAlgorithm())) {
            return false;
        }
        try {
            byte[] probe = "sslwrite key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(sigAlg);
            signer.initSign(key);
            signer.update(probe);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(sigAlg);
            verifier.initVerify(pub);
            verifier.update(probe);
            return verifier.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static String describe(ProtocolVersion[] versions) {
        return versions.length == 2 ? "TLSv1.3 and TLSv1.2"
                : ProtocolVersion.TLSv13.equals(versions[0]) ? "TLSv1.3 only" : "TLSv1.2 only";
    }
}
