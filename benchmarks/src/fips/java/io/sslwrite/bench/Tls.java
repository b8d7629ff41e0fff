package io.sslwrite.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.sslwrite.SslWriteContext;
import org.bouncycastle.crypto.CryptoServicesRegistrar;
import org.bouncycastle.jcajce.provider.BouncyCastleFipsProvider;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import java.security.KeyStore;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The FIPS benchmarks' configurations (module sslwrite-benchmarks-fips, which compiles this file in
 * place of src/main/java's Tls.java): SSLWRITE is sslwrite-handler-fips, NETTY_BCJSSE is Netty's
 * {@code SslHandler} over BCJSSE in FIPS mode, both on one private BouncyCastle FIPS provider, with
 * the module in approved-only mode. TLS 1.3, TLS_AES_128_GCM_SHA256, secp256r1, an EC P-256
 * certificate; NETTY_JDK and NETTY_OPENSSL are no FIPS stacks and are left out.
 */
final class Tls {

    static final String PROTOCOL = "TLSv1.3";
    static final String CIPHER_SUITE = "TLS_AES_128_GCM_SHA256";
    static final String X25519 = "x25519";
    static final String X25519MLKEM768 = "X25519MLKEM768";
    static final String SECP256R1 = "secp256r1";
    static final String SECP384R1 = "secp384r1";
    /** FIPS-approved: P-256 everywhere, P-384 beside it for handshakes. */
    static final String GROUP = SECP256R1;
    static final List<String> HANDSHAKE_GROUPS = List.of(SECP256R1, SECP384R1);
    static final String STACKS = "FIPS run: SSLWRITE is sslwrite-handler-fips, NETTY_BCJSSE is SslHandler over"
            + " BCJSSE-FIPS (bctls-fips 2.1.20, fips mode); both on bc-fips 2.1.2 in approved-only mode";
    /** Approved-only is a JVM-wide switch of the module, read when it loads. */
    static final List<String> JVM_ARGS = List.of("-Dorg.bouncycastle.fips.approved_only=true");

    private static final java.util.logging.Logger[] QUIET = {
            java.util.logging.Logger.getLogger("org.bouncycastle"),
            java.util.logging.Logger.getLogger("io.netty"),
    };

    static {
        for (java.util.logging.Logger logger : QUIET) {
            logger.setLevel(java.util.logging.Level.WARNING);
        }
        // BCJSSE on Java 17 takes its groups only from this property (see src/main/java's Tls).
        if (System.getProperty("jdk.tls.namedGroups") == null) {
            System.setProperty("jdk.tls.namedGroups", SECP256R1 + "," + SECP384R1);
        }
    }

    /** One FIPS provider and one BCJSSE in FIPS mode over it, neither installed JVM-wide. */
    private static final class Fips {
        static final Provider BCFIPS = new BouncyCastleFipsProvider();
        static final Provider BCJSSE = new BouncyCastleJsseProvider(true, BCFIPS);
    }

    final Contestant contestant;
    final String group;
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

    static String knownUnsupported(Contestant contestant, String group) {
        if (!CryptoServicesRegistrar.isInApprovedOnlyMode()) {
            return "the FIPS run needs -Dorg.bouncycastle.fips.approved_only=true";
        }
        switch (contestant) {
            case NETTY_JDK:
            case NETTY_OPENSSL:
                return "not a FIPS stack (it runs in the default benchmarks)";
            default:
                break;
        }
        if (!HANDSHAKE_GROUPS.contains(group)) {
            return group + " is not FIPS-approved";
        }
        if (contestant == Contestant.NETTY_BCJSSE && !SECP256R1.equals(group)) {
            return "BCJSSE takes its groups from jdk.tls.namedGroups, which this JVM pins to P-256 first";
        }
        return null;
    }

    /** As {@link #knownUnsupported(Contestant, String)}; the FIPS run measures EC P-256 certificates only. */
    static String knownUnsupported(Contestant contestant, String group, CertificateType certificate) {
        if (certificate != CertificateType.EC_P256) {
            return "the FIPS run measures EC P-256 certificates only";
        }
        return knownUnsupported(contestant, group);
    }

    static Tls create(Contestant contestant, String group) throws SSLException {
        return create(contestant, group, BenchPki.get().caCertificate());
    }

    /** As {@link #create(Contestant, String)}, for the handshake benchmarks' certificate parameter. */
    static Tls create(Contestant contestant, String group, CertificateType certificate) throws SSLException {
        String reason = knownUnsupported(contestant, group, certificate);
        if (reason != null) {
            throw new IllegalArgumentException(contestant + " with " + certificate + ": " + reason);
        }
        return create(contestant, group);
    }

    /** As {@link #create(Contestant, String)}, with clients that trust {@code clientTrust} (see src/main/java's Tls). */
    static Tls create(Contestant contestant, String group, X509Certificate clientTrust) throws SSLException {
        String reason = knownUnsupported(contestant, group);
        if (reason != null) {
            throw new IllegalArgumentException(contestant + " with " + group + ": " + reason);
        }
        BenchPki pki = BenchPki.get();
        if (contestant == Contestant.SSLWRITE) {
            SslWriteContext server = SslWriteContext.forServer(pki.serverKey(), pki.serverChain())
                    .protocols(PROTOCOL).cipherSuites(CIPHER_SUITE).namedGroups(group).build();
            SslWriteContext client = SslWriteContext.forClient()
                    .trustManager(clientTrust)
                    .protocols(PROTOCOL).cipherSuites(CIPHER_SUITE).namedGroups(group).build();
            if (!server.isFips() || !client.isFips()) {
                throw new IllegalStateException("the FIPS run found the default sslwrite build on its class path");
            }
            return new Tls(contestant, group, server, client, null, null);
        }
        SslContextBuilder server = SslContextBuilder.forServer(keyManagerFactory(pki));
        SslContextBuilder client = SslContextBuilder.forClient().trustManager(clientTrust)
                .endpointIdentificationAlgorithm(null);
        for (SslContextBuilder b : List.of(server, client)) {
            b.protocols(PROTOCOL).ciphers(List.of(CIPHER_SUITE))
                    .sslProvider(SslProvider.JDK).sslContextProvider(Fips.BCJSSE)
                    .secureRandom(drbg());
        }
        return new Tls(contestant, group, null, null, server.build(), client.build());
    }

    private static SecureRandom drbg() throws SSLException {
        try {
            return SecureRandom.getInstance("DEFAULT", Fips.BCFIPS);
        } catch (Exception e) {
            throw new SSLException("FIPS DRBG: " + e, e);
        }
    }

    private static KeyManagerFactory keyManagerFactory(BenchPki pki) throws SSLException {
        try {
            char[] password = "benchmark-password".toCharArray();
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry("server", pki.serverKey(), password, pki.serverChain());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX", Fips.BCJSSE);
            kmf.init(keyStore, password);
            return kmf;
        } catch (Exception e) {
            throw new SSLException("BCJSSE-FIPS key manager: " + e, e);
        }
    }

    ChannelHandler newServerHandler(ByteBufAllocator alloc) {
        return sslwriteServer != null ? sslwriteServer.newHandler(alloc) : nettyServer.newHandler(alloc);
    }

    ChannelHandler newClientHandler(ByteBufAllocator alloc) {
        return sslwriteClient != null ? sslwriteClient.newHandler(alloc) : nettyClient.newHandler(alloc);
    }

    /**
     * The TLS 1.2 resumption rows run in the default benchmarks only: they use x25519, which
     * {@link #knownUnsupported} refuses here, so RunAll reports them as n/a and never calls this.
     */
    static Tls tls12(Contestant contestant, boolean resumable) {
        throw new IllegalArgumentException(contestant + ": the TLS 1.2 resumption rows use x25519, which is not"
                + " FIPS-approved; they run in the default benchmarks");
    }
}
