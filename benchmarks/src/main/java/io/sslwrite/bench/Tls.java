package io.sslwrite.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.sslwrite.SslWriteContext;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import java.security.KeyStore;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A client and a server configuration for one contestant, all pinned to the same TLS: TLS 1.3,
 * TLS_AES_128_GCM_SHA256, one named group, a server certificate (EC P-256 unless the benchmark picks
 * RSA 2048) checked against the benchmark CA.
 * Clients send no host name, so no contestant resumes a session and none spends time on host-name
 * checks; every handshake is a full one.
 */
final class Tls {

    static final String PROTOCOL = "TLSv1.3";
    static final String CIPHER_SUITE = "TLS_AES_128_GCM_SHA256";
    static final String X25519 = "x25519";
    static final String X25519MLKEM768 = "X25519MLKEM768";
    /** The group of every benchmark but the handshake one, which runs each of {@link #HANDSHAKE_GROUPS}. */
    static final String GROUP = X25519;
    static final List<String> HANDSHAKE_GROUPS = List.of(X25519, X25519MLKEM768);
    /** What the contestants run on, for the footer of the results. */
    static final String STACKS = "SSLWRITE and NETTY_BCJSSE on bctls 1.84 over the JDK's crypto";
    /** Flags every forked JVM needs for these stacks, besides RunAll's own. */
    static final List<String> JVM_ARGS = List.of();

    /**
     * BCJSSE logs every connection and Netty every OpenSSL context at INFO, thousands of lines per
     * run. Held here because java.util.logging keeps its loggers only weakly.
     */
    private static final java.util.logging.Logger[] QUIET = {
            java.util.logging.Logger.getLogger("org.bouncycastle"),
            java.util.logging.Logger.getLogger("io.netty"),
    };

    static {
        for (java.util.logging.Logger logger : QUIET) {
            logger.setLevel(java.util.logging.Level.WARNING);
        }
        // SunJSSE and BCJSSE on Java 17 take their groups only from this property (SSLParameters
        // gained setNamedGroups in Java 20), read once when their first context is made. Only x25519
        // ever runs on them here, so the whole JVM is pinned before any context exists. Both send a
        // key share for the first group only, so x25519 is what they negotiate; secp256r1 stays listed
        // because BCJSSE disables the ecdsa_secp256r1_sha256 signature scheme, and with it the
        // benchmark's certificate, when that curve is not among its groups.
        if (System.getProperty("jdk.tls.namedGroups") == null) {
            System.setProperty("jdk.tls.namedGroups", X25519 + ",secp256r1");
        }
    }

    /** One BCJSSE instance over the JDK's crypto (its default), not installed as a global provider. */
    static final class Bcjsse {
        static final Provider PROVIDER = new BouncyCastleJsseProvider();
    }

    /** The TLS 1.2 suite of the resumption benchmark, which every contestant offers. */
    static final String TLS12_CIPHER_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";

    final Contestant contestant;
    final String group;
    /** The host a client names (SNI, and the key of its session cache); null: none, so nothing is resumed. */
    private String clientHost;
    private final SslWriteContext sslwriteServer;
    private final SslWriteContext sslwriteClient;
    private final SslContext nettyServer;
    private final SslContext nettyClient;

    private Tls(Contestant contestant, String group, SslWriteContext sslwriteServer, SslWriteContext sslwriteClient,
                SslContext nettyServer, SslContext nettyClient) {
        this.contestant = contestant;
        this.group = group;
        this.sslwriteServer = sslwriteServer;
        this.sslwriteClient = sslwriteClient;
        this.nettyServer = nettyServer;
        this.nettyClient = nettyClient;
    }

    /**
     * Why {@code contestant} cannot run with {@code group} on this JVM, known before trying; {@code null}
     * when it should. A contestant that passes this may still fail to build or handshake, which the
     * caller reports as a skip with the exception's message.
     */
    static String knownUnsupported(Contestant contestant, String group) {
        if (contestant == Contestant.NETTY_OPENSSL && !OpenSsl.isAvailable()) {
            Throwable cause = OpenSsl.unavailabilityCause();
            return "netty-tcnative is not available: " + (cause == null ? "unknown cause" : cause);
        }
        if (!X25519.equals(group)) {
            switch (contestant) {
                case NETTY_JDK:
                    return "SunJSSE of Java " + Runtime.version().feature() + " offers no " + group;
                case NETTY_BCJSSE:
                    return "BCJSSE over the JDK's crypto needs ML-KEM, which Java "
                            + Runtime.version().feature() + "'s providers lack";
                default:
                    break;
            }
        }
        return null;
    }

    static Tls create(Contestant contestant, String group) throws SSLException {
        return create(contestant, group, BenchPki.get().caCertificate());
    }

    /**
     * As {@link #create(Contestant, String)}, with clients that trust {@code clientTrust}: a client in a
     * JVM of its own trusts the CA of the server's JVM, whose certificates are made at its start-up.
     */
    static Tls create(Contestant contestant, String group, X509Certificate clientTrust) throws SSLException {
        return create(contestant, group, CertificateType.EC_P256, PROTOCOL, CIPHER_SUITE, clientTrust);
    }

    /** TLS 1.3 with {@link #CIPHER_SUITE}, {@code group} and a server certificate of {@code certificate}'s type. */
    static Tls create(Contestant contestant, String group, CertificateType certificate) throws SSLException {
        return create(contestant, group, certificate, PROTOCOL, CIPHER_SUITE,
                BenchPki.get(certificate).caCertificate());
    }

    /**
     * As {@link #knownUnsupported(Contestant, String)}, for a server certificate of {@code certificate}'s
     * type.
     */
    static String knownUnsupported(Contestant contestant, String group, CertificateType certificate) {
        if (contestant == Contestant.NETTY_BCJSSE && certificate == CertificateType.RSA_2048) {
            // Seen with this benchmark's PKCS#12 key manager: BCJSSE's server alerts handshake_failure.
            return "BCJSSE 1.84's server finds no TLS 1.3 credentials for the RSA 2048 key of a PKIX key manager"
                    + " (\"found no selectable cipher suite among the 1 offered\")";
        }
        return knownUnsupported(contestant, group);
    }

    /**
     * TLS 1.2 with x25519 and {@link #TLS12_CIPHER_SUITE}; with {@code resumable} the client names the host
     * "localhost" on port 443, which is what every contestant's client keys its session cache by, so a
     * second handshake resumes the first's session (RFC 5246 §7.3); without, every handshake is a full one.
     */
    static Tls tls12(Contestant contestant, boolean resumable) throws SSLException {
        Tls tls = create(contestant, X25519, CertificateType.EC_P256, "TLSv1.2", TLS12_CIPHER_SUITE,
                BenchPki.get().caCertificate());
        tls.clientHost = resumable ? "localhost" : null;
        return tls;
    }

    private static Tls create(Contestant contestant, String group, CertificateType certificate, String protocol,
                              String suite, X509Certificate clientTrust) throws SSLException {
        String reason = knownUnsupported(contestant, group, certificate);
        if (reason != null) {
            throw new IllegalArgumentException(contestant + " with " + group + ": " + reason);
        }
        BenchPki pki = BenchPki.get(certificate);
        switch (contestant) {
            case SSLWRITE: {
                SslWriteContext server = SslWriteContext.forServer(pki.serverKey(), pki.serverChain())
                        .protocols(protocol).cipherSuites(suite).namedGroups(group).build();
                SslWriteContext client = SslWriteContext.forClient()
                        .trustManager(clientTrust)
                        .protocols(protocol).cipherSuites(suite).namedGroups(group).build();
                return new Tls(contestant, group, server, client, null, null);
            }
            case NETTY_JDK:
            case NETTY_BCJSSE:
            case NETTY_OPENSSL: {
                SslContextBuilder server = contestant == Contestant.NETTY_BCJSSE
                        // BCJSSE finds no TLS 1.3 credentials in the JDK's default (SunX509) key manager.
                        ? SslContextBuilder.forServer(bcjsseKeyManagerFactory(pki))
                        : SslContextBuilder.forServer(pki.serverKey(), pki.serverChain());
                SslContextBuilder client = SslContextBuilder.forClient().trustManager(clientTrust)
                        // Netty 4.2 verifies host names by default; these clients name no host (see class doc).
                        .endpointIdentificationAlgorithm(null);
                for (SslContextBuilder b : List.of(server, client)) {
                    b.protocols(protocol).ciphers(List.of(suite));
                    switch (contestant) {
                        case NETTY_JDK:
                            b.sslProvider(SslProvider.JDK);
                            break;
                        case NETTY_BCJSSE:
                            // BCJSSE's own default is a "DEFAULT" SecureRandom that only BC's JCA provider
                            // registers; the JDK's default generator is the one a JDK-only setup has.
                            b.sslProvider(SslProvider.JDK).sslContextProvider(Bcjsse.PROVIDER)
                                    .secureRandom(new SecureRandom());
                            break;
                        default:
                            // TLS 1.2 (RFC 8422 §5.1): BoringSSL signs with an ECDSA certificate only on a
                            // curve the client lists, so P-256 joins the list; ECDHE still takes the first.
                            b.sslProvider(SslProvider.OPENSSL).option(OpenSslContextOption.GROUPS,
                                    protocol.equals("TLSv1.2") ? new String[] {group, "P-256"} : new String[] {group});
                            break;
                    }
                }
                return new Tls(contestant, group, null, null, server.build(), client.build());
            }
            default:
                throw new AssertionError(contestant);
        }
    }

    static KeyManagerFactory bcjsseKeyManagerFactory(BenchPki pki) throws SSLException {
        try {
            char[] password = "benchmark".toCharArray();
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry("server", pki.serverKey(), password, pki.serverChain());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX", Bcjsse.PROVIDER);
            kmf.init(keyStore, password);
            return kmf;
        } catch (Exception e) {
            throw new SSLException("BCJSSE key manager: " + e, e);
        }
    }

    ChannelHandler newServerHandler(ByteBufAllocator alloc) {
        return sslwriteServer != null ? sslwriteServer.newHandler(alloc) : nettyServer.newHandler(alloc);
    }

    ChannelHandler newClientHandler(ByteBufAllocator alloc) {
        if (clientHost != null) {
            return sslwriteClient != null ? sslwriteClient.newHandler(alloc, clientHost, 443)
                    : nettyClient.newHandler(alloc, clientHost, 443);
        }
        return sslwriteClient != null ? sslwriteClient.newHandler(alloc) : nettyClient.newHandler(alloc);
    }
}
