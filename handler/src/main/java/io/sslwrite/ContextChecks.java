package io.sslwrite;

import io.netty.handler.ssl.ClientAuth;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import java.util.function.ToIntFunction;

/**
 * The checks {@link SslWriteContext.Builder#build()} makes of a configuration as a whole: names of
 * protocols, suites and groups, ALPN names, each key against its certificate and the suites a server's
 * key can sign for, what the crypto offers, and the trust manager. Each failure is an
 * {@link SSLException} that says what is wrong and what would be right.
 */
final class ContextChecks {

    private static final List<String> VALID_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** Names of the protocols RFC 8996 retired; refused with a reason rather than as unknown. */
    private static final List<String> RETIRED_PROTOCOLS = List.of("TLSv1.1", "TLSv1", "SSLv3", "SSLv2", "SSLv2Hello");

    private ContextChecks() {
    }

    /** "TLSv1.3" and/or "TLSv1.2" (null: both), newest first. */
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

    /**
     * The suites named (null: the defaults) that the crypto runs, at least one usable with
     * {@code versions}. A default the crypto lacks is dropped (the FIPS build has no ChaCha20-Poly1305);
     * one the user named is refused, by name.
     */
    static int[] cipherSuites(String[] named, ProtocolVersion[] versions, JcaTlsCrypto crypto) throws SSLException {
        int[] codes = Names.SUITES.codes(named);
        boolean usable = false;
        for (int code : codes) {
            for (ProtocolVersion v : versions) {
                usable |= TlsUtils.isValidVersionForCipherSuite(code, v);
            }
        }
        if (!usable) {
            throw new SSLException("none of the cipher suites " + Names.SUITES.listed(named) + " can be used with "
                    + describe(versions) + ": TLS 1.3 suites (TLS_AES_*, TLS_CHACHA20_*) need TLSv1.3,"
                    + " the others TLSv1.2");
        }
        return Names.SUITES.offered(codes, named != null, crypto,
                suite -> TlsUtils.getSupportedCipherSuites(crypto, new int[] {suite}).length > 0);
    }

    /** As {@link #cipherSuites} for key-exchange groups (the FIPS build has no x25519 or hybrids). */
    static int[] namedGroups(String[] named, JcaTlsCrypto crypto) throws SSLException {
        return Names.GROUPS.offered(Names.GROUPS.codes(named), named != null, crypto,
                group -> NamedGroups.isSupported(crypto, group));
    }

    /** RFC 7301 §3.1: each ALPN name is 1..255 bytes. */
    static List<String> applicationProtocols(String[] protocols) throws SSLException {
        if (protocols == null) {
            return List.of();
        }
        for (String p : protocols) {
            int len = p == null ? 0 : p.getBytes(StandardCharsets.UTF_8).length;
            if (len < 1 || len > 255) {
                throw new SSLException("applicationProtocols(): \"" + p + "\" is " + len
                        + " bytes long (expected: 1..255, RFC 7301 §3.1)");
            }
        }
        return List.of(protocols);
    }

    /** Session ticket keys are a TLS 1.2 server's (bctls 1.84 has no TLS 1.3 tickets). */
    static void sessionTickets(boolean client, SessionTicketKeys keys, ProtocolVersion[] versions) throws SSLException {
        if (keys == null) {
            return;
        }
        if (client) {
            throw new SSLException("sessionTicketKeys(): a client issues no tickets; it offers those a server gave"
                    + " it, keeping them as it keeps sessions (sessionCacheSize)");
        }
        if (!ProtocolVersion.contains(versions, ProtocolVersion.TLSv12)) {
            throw new SSLException("sessionTicketKeys(): tickets are for TLSv1.2 (RFC 5077), and protocols() allows"
                    + " TLSv1.3 only; bctls 1.84 issues no TLS 1.3 tickets");
        }
    }

    /**
     * Every key fits its certificate and, for a server, one of the suites; a server has a key, a client
     * names none by SNI.
     *
     * @param credentials the context's own key, or null
     * @param byName a server's certificates by SNI name
     */
    static void keys(JcaTlsCrypto crypto, boolean client, KeyCredentials credentials, Collection<KeyCredentials> byName,
                     ProtocolVersion[] versions, int[] suites) throws SSLException {
        if (credentials == null && !client) {
            throw new SSLException("a server needs a certificate and key: use forServer(certChainPem, keyPem)");
        }
        if (credentials != null) {
            credentials(crypto, credentials);
            if (!client) {
                serverSuites(credentials, versions, suites);
            }
        }
        if (client && !byName.isEmpty()) {
            throw new SSLException("serverName() chooses a server's certificate by SNI; a client sends the"
                    + " name given to newHandler(alloc, host, port)");
        }
        for (KeyCredentials named : byName) {
            credentials(crypto, named);
            serverSuites(named, versions, suites);
        }
    }

    /**
     * The trust a client (or a server asking for client certificates) checks its peer with: the
     * factory's, the CA certificates', or the JDK's default trust store; null for a server that asks none.
     */
    static PeerTrust trust(boolean client, ClientAuth clientAuth, TrustManagerFactory factory, X509Certificate[] anchors)
            throws SSLException {
        if (!client && clientAuth == ClientAuth.NONE) {
            return null;
        }
        try {
            return factory != null ? PeerTrust.of(factory) : anchors != null ? PeerTrust.of(anchors) : PeerTrust.jdkDefault();
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new SSLException("cannot set up the trust manager: " + e.getMessage(), e);
        }
    }

    /** The names of cipher suites or of groups: how a list of them is read and checked. */
    private record Names(String kind, String setter, List<String> defaults, List<String> supported,
                         IntFunction<String> name, ToIntFunction<String> code) {
        static final Names SUITES = new Names("cipher suite", "cipherSuites()", CipherSuites.DEFAULTS,
                CipherSuites.supportedNames(), CipherSuites::name, CipherSuites::code);
        static final Names GROUPS = new Names("named group", "namedGroups()", NamedGroups.DEFAULTS,
                NamedGroups.supportedNames(), NamedGroups::name, NamedGroups::code);

        List<String> listed(String[] named) {
            return named == null ? defaults : Arrays.asList(named);
        }

        /** The codes of the names given (null: the defaults), in order, without repeats. */
        int[] codes(String[] named) throws SSLException {
            List<String> names = listed(named);
            if (names.isEmpty()) {
                throw new SSLException(setter + ": empty list; name at least one of " + supported);
            }
            List<Integer> codes = new ArrayList<>();
            for (String n : names) {
                int c = n == null ? -1 : code.applyAsInt(n.trim());
                if (c < 0) {
                    throw new SSLException("unknown " + kind + " " + n + " (supported: " + supported + ")");
                }
                if (!codes.contains(c)) {
                    codes.add(c);
                }
            }
            return codes.stream().mapToInt(Integer::intValue).toArray();
        }

        /** The codes the crypto runs: a default it lacks is dropped, one the user named refused. */
        int[] offered(int[] codes, boolean named, JcaTlsCrypto crypto, IntPredicate runs) throws SSLException {
            List<Integer> kept = new ArrayList<>();
            for (int c : codes) {
                if (runs.test(c)) {
                    kept.add(c);
                } else if (named) {
                    throw new SSLException(kind + " " + name.apply(c) + unavailable(crypto) + available(runs) + ")");
                }
            }
            if (kept.isEmpty()) {
                throw new SSLException("none of the default " + kind + "s " + defaults + unavailable(crypto)
                        + available(runs) + ")");
            }
            return kept.stream().mapToInt(Integer::intValue).toArray();
        }

        private List<String> available(IntPredicate runs) {
            return supported.stream().filter(n -> runs.test(code.applyAsInt(n))).toList();
        }

        private static String unavailable(JcaTlsCrypto crypto) {
            return crypto instanceof ApprovedOnlyCrypto fips
                    ? " is refused: this is the FIPS build, which offers only what " + fips.module()
                            + " approves; remove it (approved: "
                    : " is not available from the JDK's or BouncyCastle's providers; remove it (available: ";
        }
    }

    private static void credentials(JcaTlsCrypto crypto, KeyCredentials c) throws SSLException {
        X509Certificate leaf = c.chain[0];
        String subject = leaf.getSubjectX500Principal().getName();
        if (!c.isSupportedKeyType()) {
            throw new SSLException("the certificate " + subject + " has a " + c.keyType()
                    + " key; sslwrite signs with EC (P-256, P-384, P-521) and RSA keys only");
        }
        if (!keyMatches(crypto, c.key, leaf.getPublicKey())) {
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

    /** A server needs a suite its key can sign for (TLS 1.2 ECDHE_ECDSA for EC, ECDHE_RSA for RSA). */
    private static void serverSuites(KeyCredentials c, ProtocolVersion[] versions, int[] suites) throws SSLException {
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

    /** Signs a test value with {@code key} and verifies it with {@code pub}, on the context's crypto. */
    private static boolean keyMatches(JcaTlsCrypto crypto, PrivateKey key, PublicKey pub) {
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
            Signature signer = crypto.getHelper().createSignature(sigAlg);
            signer.initSign(key);
            signer.update(probe);
            byte[] sig = signer.sign();
            Signature verifier = crypto.getHelper().createSignature(sigAlg);
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
