package io.sslwrite;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.ClientAuth;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsPeer;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.io.File;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable TLS configuration for many connections, the counterpart of Netty's {@code SslContext}:
 * build it once with {@link #forServer(File, File)} or {@link #forClient()}, then make a
 * {@link SslWriteHandler} per channel (DESIGN §3).
 *
 * <pre>{@code
 * SslWriteContext server = SslWriteContext.forServer(certChainPem, keyPem)
 *         .applicationProtocols("h2", "http/1.1")
 *         .build();
 * ch.pipeline().addLast(server.newHandler(ch.alloc()));
 * }</pre>
 *
 * <p>Defaults: TLS 1.3 and 1.2; TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256
 * and the TLS 1.2 ECDHE AES-GCM then ChaCha20 suites (AES-GCM first; nothing without forward secrecy or AEAD); the groups X25519MLKEM768, x25519, secp256r1, secp384r1;
 * clients trust the JDK's default trust store and verify the host name they dial.
 *
 * <p>One {@code JcaTlsCrypto} serves every connection of the context (DESIGN §6): the JDK's providers
 * first, a private BouncyCastle provider for what they lack.
 */
public final class SslWriteContext {

    private final boolean client;
    private final PeerConfig peerConfig;
    private final Map<ChannelOption<?>, Object> options;

    private SslWriteContext(Builder b, PeerConfig peerConfig) {
        this.client = b.client;
        this.peerConfig = peerConfig;
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(b.options));
    }

    /** A server with the certificate chain (leaf first) and unencrypted private key of two PEM files. */
    public static Builder forServer(File certChainPem, File keyPem) {
        return forServer(certChainPem, keyPem, null);
    }

    /** A server with the certificate chain (leaf first) and unencrypted private key of two PEM files. */
    public static Builder forServer(Path certChainPem, Path keyPem) {
        return forServer(requireNonNull(certChainPem, "certChainPem").toFile(), requireNonNull(keyPem, "keyPem").toFile());
    }

    /** As {@link #forServer(File, File)}; {@code keyPassword} decrypts the key (null: it is not encrypted). */
    public static Builder forServer(File certChainPem, File keyPem, String keyPassword) {
        Builder b = new Builder(false);
        b.keyManager(certChainPem, keyPem, keyPassword);
        return b;
    }

    /** A server with {@code key} and its chain, leaf first. */
    public static Builder forServer(PrivateKey key, X509Certificate... certChain) {
        Builder b = new Builder(false);
        b.keyManager(key, certChain);
        return b;
    }

    /** A client; it trusts the JDK's default trust store unless told otherwise. */
    public static Builder forClient() {
        return new Builder(true);
    }

    /** A handler for a server, or for a client that sends no SNI and verifies no host name. */
    public SslWriteHandler newHandler(ByteBufAllocator alloc) {
        return newHandler(alloc, null);
    }

    /**
     * A client handler that sends SNI {@code peerHost} and verifies the server's certificate for it
     * (RFC 6125). {@code peerPort} is accepted as in Netty's {@code SslContext.newHandler}; neither SNI
     * nor the certificate check uses it.
     */
    public SslWriteHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort) {
        return newHandler(alloc, peerHost);
    }

    private SslWriteHandler newHandler(ByteBufAllocator alloc, String peerHost) {
        return new SslWriteHandler(client, options, listener -> newPeer(peerHost, listener), alloc);
    }

    /** {@code true} for {@link #forClient()}. */
    boolean isClient() { return client; }

    /**
     * A new bctls peer for one connection: a {@code TlsClient} for a client context (SNI and host-name
     * verification for {@code peerHost} when it is not null), a {@code TlsServer} for a server context.
     * It reports handshake completion and alerts to {@code listener}.
     */
    TlsPeer newPeer(String peerHost, PeerListener listener) {
        Objects.requireNonNull(listener, "listener");
        return client ? new BcTlsClient(peerConfig, peerHost, listener) : new BcTlsServer(peerConfig, listener);
    }

    /** The option values set with {@link Builder#option}; the handler applies its defaults for the rest. */
    Map<ChannelOption<?>, Object> options() { return options; }

    /** The crypto every connection of the context shares (DESIGN §6). */
    JcaTlsCrypto crypto() { return peerConfig.crypto(); }

    @Override
    public String toString() {
        List<String> suites = new ArrayList<>();
        for (int s : peerConfig.cipherSuiteCodes()) {
            suites.add(CipherSuites.name(s));
        }
        List<String> groups = new ArrayList<>();
        for (int g : peerConfig.namedGroupCodes()) {
            groups.add(NamedGroups.name(g));
        }
        List<String> versions = new ArrayList<>();
        for (ProtocolVersion v : peerConfig.protocolVersions()) {
            versions.add(ProtocolVersion.TLSv13.equals(v) ? "TLSv1.3" : "TLSv1.2");
        }
        return "SslWriteContext(" + (client ? "client" : "server") + ", protocols=" + versions
                + ", cipherSuites=" + suites + ", namedGroups=" + groups
                + (peerConfig.applicationProtocols().isEmpty() ? "" : ", alpn=" + peerConfig.applicationProtocols())
                + (client ? "" : ", clientAuth=" + peerConfig.clientAuth())
                + (peerConfig.trust() == null ? "" : ", trust=" + peerConfig.trust()) + ")";
    }

    private static <T> T requireNonNull(T value, String name) {
        return Objects.requireNonNull(value, name);
    }

    /**
     * Collects the configuration; {@link #build()} checks it as a whole. PEM files are read when they
     * are named, so a bad file fails at the call that names it with an {@link IllegalArgumentException};
     * option values are checked at {@link #option} as {@code ChannelConfig.setOption} would. Names of
     * protocols, suites and groups are checked by {@link #build()}, which says what is wrong and what
     * the valid names are.
     */
    public static final class Builder {
        private final boolean client;
        private String[] protocols;
        private String[] cipherSuites;
        private String[] namedGroups;
        private String[] applicationProtocols;
        private ClientAuth clientAuth = ClientAuth.NONE;
        private X509Certificate[] trustAnchors;
        private TrustManagerFactory trustManagerFactory;
        private PrivateKey key;
        private X509Certificate[] keyCertChain;
        private final Map<ChannelOption<?>, Object> options = new LinkedHashMap<>();

        private Builder(boolean client) {
            this.client = client;
        }

        /** "TLSv1.3" and/or "TLSv1.2"; null restores the default (both). */
        public Builder protocols(String... protocols) {
            this.protocols = protocols == null ? null : protocols.clone();
            return this;
        }

        /** IANA names in order of preference, e.g. "TLS_AES_128_GCM_SHA256"; null restores the default. */
        public Builder cipherSuites(String... ianaNames) {
            this.cipherSuites = ianaNames == null ? null : ianaNames.clone();
            return this;
        }

        /** Key-exchange groups in order of preference, e.g. "X25519MLKEM768", "x25519"; null restores the default. */
        public Builder namedGroups(String... groups) {
            this.namedGroups = groups == null ? null : groups.clone();
            return this;
        }

        /** ALPN protocols (RFC 7301) in order of preference; none (or null) turns ALPN off. */
        public Builder applicationProtocols(String... protocols) {
            this.applicationProtocols = protocols == null || protocols.length == 0 ? null : protocols.clone();
            return this;
        }

        /** Whether a server asks for a client certificate; ignored by clients. Default {@link ClientAuth#NONE}. */
        public Builder clientAuth(ClientAuth clientAuth) {
            this.clientAuth = Objects.requireNonNull(clientAuth, "clientAuth");
            return this;
        }

        /** Trust exactly the CA certificates of a PEM file. */
        public Builder trustManager(File caPem) {
            Objects.requireNonNull(caPem, "caPem");
            return trustManager(PemReader.readCertificates(caPem));
        }

        /** Trust exactly the CA certificates of a PEM file. */
        public Builder trustManager(Path caPem) {
            return trustManager(requireNonNull(caPem, "caPem").toFile());
        }

        /** Trust exactly these CA certificates. */
        public Builder trustManager(X509Certificate... cas) {
            Objects.requireNonNull(cas, "cas");
            if (cas.length == 0) {
                throw new IllegalArgumentException("trustManager(): no CA certificate given");
            }
            for (X509Certificate ca : cas) {
                Objects.requireNonNull(ca, "cas contains null");
            }
            this.trustAnchors = cas.clone();
            this.trustManagerFactory = null;
            return this;
        }

        /** Trust what the first {@code X509TrustManager} of {@code tmf} trusts (it must be initialised). */
        public Builder trustManager(TrustManagerFactory tmf) {
            this.trustManagerFactory = Objects.requireNonNull(tmf, "tmf");
            this.trustAnchors = null;
            return this;
        }

        /** Our certificate chain (leaf first) and unencrypted key, from PEM files. */
        public Builder keyManager(File certChainPem, File keyPem) {
            return keyManager(certChainPem, keyPem, null);
        }

        /** Our certificate chain (leaf first) and unencrypted key, from PEM files. */
        public Builder keyManager(Path certChainPem, Path keyPem) {
            return keyManager(requireNonNull(certChainPem, "certChainPem").toFile(),
                    requireNonNull(keyPem, "keyPem").toFile());
        }

        /** As {@link #keyManager(File, File)}; {@code keyPassword} decrypts the key (null: not encrypted). */
        public Builder keyManager(File certChainPem, File keyPem, String keyPassword) {
            Objects.requireNonNull(certChainPem, "certChainPem");
            Objects.requireNonNull(keyPem, "keyPem");
            X509Certificate[] chain = PemReader.readCertificates(certChainPem);
            PrivateKey k = PemReader.readPrivateKey(keyPem, keyPassword);
            return keyManager(k, chain);
        }

        /** Our key and its certificate chain, leaf first. */
        public Builder keyManager(PrivateKey key, X509Certificate... certChain) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(certChain, "certChain");
            if (certChain.length == 0) {
                throw new IllegalArgumentException("keyManager(): empty certificate chain (expected the leaf first)");
            }
            for (X509Certificate c : certChain) {
                Objects.requireNonNull(c, "certChain contains null");
            }
            this.key = key;
            this.keyCertChain = certChain.clone();
            return this;
        }

        /**
         * Sets an {@link SslWriteOption} for every handler of the context.
         *
         * @throws IllegalArgumentException for an option that is not an {@link SslWriteOption} or a value
         *         out of its range, e.g. "MAX_RECORD_SIZE: 100 (expected: 512..16384)"
         */
        public <T> Builder option(ChannelOption<T> option, T value) {
            OptionValidation.validate(option, value);
            options.put(option, value);
            return this;
        }

        /**
         * Checks the configuration and makes the context.
         *
         * @throws SSLException naming what is wrong: an unknown or retired protocol, an unknown cipher
         *         suite or group (with the supported names), an empty list, a key that does not belong to
         *         its certificate, an expired certificate, a trust manager that cannot be used
         */
        public SslWriteContext build() throws SSLException {
            ProtocolVersion[] versions = ContextChecks.protocols(protocols);
            int[] suites = ContextChecks.cipherSuites(cipherSuites, versions);
            int[] groups = ContextChecks.namedGroups(namedGroups);
            ContextChecks.applicationProtocols(applicationProtocols);

            KeyCredentials credentials = null;
            if (key != null) {
                credentials = new KeyCredentials(key, keyCertChain);
                ContextChecks.credentials(credentials);
            } else if (!client) {
                throw new SSLException("a server needs a certificate and key: use forServer(certChainPem, keyPem)");
            }
            if (!client && credentials != null) {
                ContextChecks.serverSuites(credentials, versions, suites);
            }

            PeerTrust trust = null;
            try {
                if (client || clientAuth != ClientAuth.NONE) {
                    if (trustManagerFactory != null) {
                        trust = PeerTrust.of(trustManagerFactory);
                    } else if (trustAnchors != null) {
                        trust = PeerTrust.of(trustAnchors);
                    } else {
                        trust = PeerTrust.jdkDefault();
                    }
                }
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new SSLException("cannot set up the trust manager: " + e.getMessage(), e);
            }

            JcaTlsCrypto crypto = CryptoFactory.newCrypto();
            ContextChecks.cryptoSupport(crypto, suites, groups);
            List<String> alpn = applicationProtocols == null ? List.of() : List.of(applicationProtocols);
            return new SslWriteContext(this, new PeerConfig(crypto, versions, suites, groups, credentials, trust,
                    clientAuth, alpn));
        }
    }
}
