package io.sslwrite;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.ClientAuth;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsPeer;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Vector;

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
 * clients trust the JDK's default trust store and verify the host name they dial. The FIPS build
 * ({@code sslwrite-handler-fips}) keeps of these defaults what its module approves (no ChaCha20, x25519
 * or hybrid) and refuses the others by name at {@link Builder#build()}; {@link #isFips()} says which
 * build runs.
 *
 * <p>One {@code JcaTlsCrypto} serves every connection of the context (DESIGN §6): the JDK's providers
 * first, a private BouncyCastle provider for what they lack.
 */
public final class SslWriteContext {

    private static final int DEFAULT_SESSION_CACHE_SIZE = 20_000;
    private static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofMinutes(5);

    private static final List<String> VALID_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** Names of the protocols RFC 8996 retired; refused with a reason rather than as unknown. */
    private static final List<String> RETIRED_PROTOCOLS = List.of("TLSv1.1", "TLSv1", "SSLv3", "SSLv2", "SSLv2Hello");

    private final boolean client;
    private final KeyCredentials credentials;
    /** A server's certificates by SNI name; null for a client. */
    private final ServerCertificates serverCertificates;
    private final PeerTrust trust;
    private final ProtocolVersion[] protocolVersions;
    private final int[] cipherSuiteCodes;
    private final int[] namedGroupCodes;
    private final List<String> applicationProtocols;
    private final ClientAuth clientAuth;
    private final Map<ChannelOption<?>, Object> options;
    private final JcaTlsCrypto crypto;
    /** TLS 1.2 sessions to resume, by session ID (server) or host:port (client); null when off. */
    private final SessionCache<Object> sessionCache;
    /** Null unless {@code keyLog(Path)} was set. */
    private final KeyLogWriter keyLog;

    private SslWriteContext(Builder b, KeyCredentials credentials, PeerTrust trust, ProtocolVersion[] versions,
                            int[] suites, int[] groups, JcaTlsCrypto crypto, KeyLogWriter keyLog) {
        this.client = b.client;
        this.credentials = credentials;
        this.serverCertificates = b.client ? null : new ServerCertificates(credentials, b.serverNames);
        this.trust = trust;
        this.protocolVersions = versions;
        this.cipherSuiteCodes = suites;
        this.namedGroupCodes = groups;
        this.applicationProtocols = b.applicationProtocols == null ? List.of() : List.of(b.applicationProtocols);
        this.clientAuth = b.clientAuth;
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(b.options));
        this.crypto = crypto;
        this.sessionCache = b.sessionCacheSize == 0 ? null : new SessionCache<>(b.sessionCacheSize, b.sessionTimeout);
        this.keyLog = keyLog;
    }

    /**
     * A server with the certificate chain (leaf first) and unencrypted private key of two PEM files.
     *
     * @param certChainPem the server's certificate chain, leaf first
     * @param keyPem its private key (PKCS#8, PKCS#1 RSA or SEC1 EC)
     * @return a builder for the server's context
     */
    public static Builder forServer(File certChainPem, File keyPem) {
        return forServer(certChainPem, keyPem, null);
    }

    /**
     * A server with the certificate chain (leaf first) and unencrypted private key of two PEM files.
     *
     * @param certChainPem the server's certificate chain, leaf first
     * @param keyPem its private key (PKCS#8, PKCS#1 RSA or SEC1 EC)
     * @return a builder for the server's context
     */
    public static Builder forServer(Path certChainPem, Path keyPem) {
        return forServer(requireNonNull(certChainPem, "certChainPem").toFile(), requireNonNull(keyPem, "keyPem").toFile());
    }

    /**
     * As {@link #forServer(File, File)}; {@code keyPassword} decrypts the key (null: it is not encrypted).
     *
     * @param certChainPem the server's certificate chain, leaf first
     * @param keyPem its private key, encrypted PKCS#8 or any form {@link #forServer(File, File)} reads
     * @param keyPassword the key's password, or null
     * @return a builder for the server's context
     */
    public static Builder forServer(File certChainPem, File keyPem, String keyPassword) {
        Builder b = new Builder(false);
        b.keyManager(certChainPem, keyPem, keyPassword);
        return b;
    }

    /**
     * A server with {@code key} and its chain, leaf first.
     *
     * @param key the server's private key
     * @param certChain its certificate chain, leaf first
     * @return a builder for the server's context
     */
    public static Builder forServer(PrivateKey key, X509Certificate... certChain) {
        Builder b = new Builder(false);
        b.keyManager(key, certChain);
        return b;
    }

    /**
     * A server with the key and chain of the alias {@code kmf}'s {@code X509KeyManager} chooses (EC first,
     * then RSA): a PKCS#12 or JKS {@code KeyStore} loaded and given to {@code kmf.init(keyStore, password)}.
     *
     * @param kmf an initialised key manager factory
     * @return a builder for the server's context
     * @throws IllegalArgumentException if the factory is not initialised or holds no usable key, saying so
     */
    public static Builder forServer(KeyManagerFactory kmf) {
        Builder b = new Builder(false);
        b.keyManager(kmf);
        return b;
    }

    /** {@return a builder for a client; it trusts the JDK's default trust store unless told otherwise} */
    public static Builder forClient() {
        return new Builder(true);
    }

    /**
     * A handler for a server, or for a client that sends no SNI and verifies no host name.
     *
     * @param alloc the allocator for the handler's ciphertext, usually {@code channel.alloc()}
     * @return a new handler for one channel
     */
    public SslWriteHandler newHandler(ByteBufAllocator alloc) { return newHandler(alloc, null, -1); }

    /**
     * A client handler that sends SNI {@code peerHost} and verifies the server's certificate for it (RFC 6125).
     *
     * @param alloc the allocator for the handler's ciphertext, usually {@code channel.alloc()}
     * @param peerHost the server's host name (or IP literal, which is verified but not sent as SNI)
     * @param peerPort the server's port
     * @return a new handler for one channel
     */
    public SslWriteHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort) {
        return new SslWriteHandler(client, options, listener -> newPeer(peerHost, peerPort, listener), alloc);
    }

    /**
     * {@return {@code true} in the FIPS build (artifact {@code sslwrite-handler-fips}), where every
     * cryptographic operation comes from BouncyCastle's FIPS module and only what it approves is offered}
     */
    public boolean isFips() { return crypto instanceof ApprovedOnlyCrypto; }

    // ---- package-private contract used by SslWriteHandler ----

    /** {@code true} for {@link #forClient()}. */
    boolean isClient() { return client; }

    /**
     * A new bctls peer for one connection: a {@code TlsClient} for a client context (SNI and host-name
     * verification for {@code peerHost} when it is not null), a {@code TlsServer} for a server context.
     * It reports handshake completion and alerts to {@code listener}.
     */
    TlsPeer newPeer(String peerHost, int peerPort, PeerListener listener) {
        Objects.requireNonNull(listener, "listener");
        return client ? new BcTlsClient(this, peerHost, peerPort, listener) : new BcTlsServer(this, listener);
    }

    /** The option values set with {@link Builder#option}; the handler applies its defaults for the rest. */
    Map<ChannelOption<?>, Object> options() { return options; }

    // ---- for the peers ----

    JcaTlsCrypto crypto() { return crypto; }

    /** Newest first. */
    ProtocolVersion[] protocolVersions() { return protocolVersions.clone(); }

    int[] cipherSuiteCodes() { return cipherSuiteCodes.clone(); }

    int[] namedGroupCodes() { return namedGroupCodes.clone(); }

    /** Null for a client without a certificate. */
    KeyCredentials credentials() { return credentials; }

    /** The key log (DESIGN §3.1), or null when off. */
    KeyLogWriter keyLog() { return keyLog; }

    /** Sessions to resume (DESIGN §3.1), or null with {@code sessionCacheSize(0)}. */
    SessionCache<Object> sessionCache() { return sessionCache; }

    /** A server's certificates by SNI host name (DESIGN §3.1); null for a client. */
    ServerCertificates serverCertificates() { return serverCertificates; }

    /** Null for a server with {@link ClientAuth#NONE}. */
    PeerTrust trust() { return trust; }

    ClientAuth clientAuth() { return clientAuth; }

    /** ALPN names as bctls wants them, a new Vector per call (bctls may keep it); null for none. */
    Vector<ProtocolName> alpnProtocolNames() {
        if (applicationProtocols.isEmpty()) {
            return null;
        }
        Vector<ProtocolName> names = new Vector<>(applicationProtocols.size());
        for (String p : applicationProtocols) {
            names.add(ProtocolName.asUtf8Encoding(p));
        }
        return names;
    }

    @Override
    public String toString() {
        List<String> suites = new ArrayList<>();
        for (int s : cipherSuiteCodes) {
            suites.add(CipherSuites.name(s));
        }
        List<String> groups = new ArrayList<>();
        for (int g : namedGroupCodes) {
            groups.add(NamedGroups.name(g));
        }
        List<String> versions = new ArrayList<>();
        for (ProtocolVersion v : protocolVersions) {
            versions.add(ProtocolVersion.TLSv13.equals(v) ? "TLSv1.3" : "TLSv1.2");
        }
        return "SslWriteContext(" + (client ? "client" : "server") + ", protocols=" + versions
                + ", cipherSuites=" + suites + ", namedGroups=" + groups
                + (applicationProtocols.isEmpty() ? "" : ", alpn=" + applicationProtocols)
                + (client ? "" : ", clientAuth=" + clientAuth)
                + (trust == null ? "" : ", trust=" + trust)
                + ", fips=" + (isFips() ? ((ApprovedOnlyCrypto) crypto).module() : "no") + ")";
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
        /** SNI name (normalised) to its certificate, in the order given. */
        private final Map<String, KeyCredentials> serverNames = new LinkedHashMap<>();
        private int sessionCacheSize = DEFAULT_SESSION_CACHE_SIZE;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private Path keyLogFile;
        private final Map<ChannelOption<?>, Object> options = new LinkedHashMap<>();

        private Builder(boolean client) {
            this.client = client;
        }

        /**
         * "TLSv1.3" and/or "TLSv1.2"; null restores the default (both).
         *
         * @param protocols the protocol versions to offer or accept
         * @return this builder
         */
        public Builder protocols(String... protocols) {
            this.protocols = protocols == null ? null : protocols.clone();
            return this;
        }

        /**
         * IANA names in order of preference, e.g. "TLS_AES_128_GCM_SHA256"; null restores the default.
         *
         * @param ianaNames the cipher suites
         * @return this builder
         */
        public Builder cipherSuites(String... ianaNames) {
            this.cipherSuites = ianaNames == null ? null : ianaNames.clone();
            return this;
        }

        /**
         * Key-exchange groups in order of preference, e.g. "X25519MLKEM768", "x25519"; null restores the default.
         *
         * @param groups the named groups
         * @return this builder
         */
        public Builder namedGroups(String... groups) {
            this.namedGroups = groups == null ? null : groups.clone();
            return this;
        }

        /**
         * ALPN protocols (RFC 7301) in order of preference; none (or null) turns ALPN off.
         *
         * @param protocols the protocol names, e.g. "h2", "http/1.1"
         * @return this builder
         */
        public Builder applicationProtocols(String... protocols) {
            this.applicationProtocols = protocols == null || protocols.length == 0 ? null : protocols.clone();
            return this;
        }

        /**
         * Whether a server asks for a client certificate; ignored by clients. Default {@link ClientAuth#NONE}.
         *
         * @param clientAuth NONE, OPTIONAL or REQUIRE
         * @return this builder
         */
        public Builder clientAuth(ClientAuth clientAuth) {
            this.clientAuth = Objects.requireNonNull(clientAuth, "clientAuth");
            return this;
        }

        /**
         * Trust exactly the CA certificates of a PEM file.
         *
         * @param caPem the CA certificates
         * @return this builder
         */
        public Builder trustManager(File caPem) {
            Objects.requireNonNull(caPem, "caPem");
            return trustManager(PemReader.readCertificates(caPem));
        }

        /**
         * Trust exactly the CA certificates of a PEM file.
         *
         * @param caPem the CA certificates
         * @return this builder
         */
        public Builder trustManager(Path caPem) {
            return trustManager(requireNonNull(caPem, "caPem").toFile());
        }

        /**
         * Trust exactly these CA certificates.
         *
         * @param cas the CA certificates, at least one
         * @return this builder
         */
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

        /**
         * Trust what the first {@code X509TrustManager} of {@code tmf} trusts (it must be initialised).
         *
         * @param tmf an initialised trust manager factory
         * @return this builder
         */
        public Builder trustManager(TrustManagerFactory tmf) {
            this.trustManagerFactory = Objects.requireNonNull(tmf, "tmf");
            this.trustAnchors = null;
            return this;
        }

        /**
         * Our certificate chain (leaf first) and unencrypted key, from PEM files.
         *
         * @param certChainPem the certificate chain, leaf first
         * @param keyPem the private key (PKCS#8, PKCS#1 RSA or SEC1 EC)
         * @return this builder
         */
        public Builder keyManager(File certChainPem, File keyPem) {
            return keyManager(certChainPem, keyPem, null);
        }

        /**
         * Our certificate chain (leaf first) and unencrypted key, from PEM files.
         *
         * @param certChainPem the certificate chain, leaf first
         * @param keyPem the private key (PKCS#8, PKCS#1 RSA or SEC1 EC)
         * @return this builder
         */
        public Builder keyManager(Path certChainPem, Path keyPem) {
            return keyManager(requireNonNull(certChainPem, "certChainPem").toFile(),
                    requireNonNull(keyPem, "keyPem").toFile());
        }

        /**
         * As {@link #keyManager(File, File)}; {@code keyPassword} decrypts the key (null: not encrypted).
         *
         * @param certChainPem the certificate chain, leaf first
         * @param keyPem the private key, encrypted PKCS#8 or any form {@link #keyManager(File, File)} reads
         * @param keyPassword the key's password, or null
         * @return this builder
         */
        public Builder keyManager(File certChainPem, File keyPem, String keyPassword) {
            Objects.requireNonNull(certChainPem, "certChainPem");
            Objects.requireNonNull(keyPem, "keyPem");
            X509Certificate[] chain = PemReader.readCertificates(certChainPem);
            PrivateKey k = PemReader.readPrivateKey(keyPem, keyPassword);
            return keyManager(k, chain);
        }

        /**
         * Our key and its certificate chain, leaf first.
         *
         * @param key the private key
         * @param certChain its certificate chain, leaf first
         * @return this builder
         */
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
         * Our key and chain from the alias {@code kmf}'s {@code X509KeyManager} chooses (a server asks per key
         * type, EC first; a client asks for EC or RSA), chosen once, here.
         *
         * @param kmf an initialised key manager factory
         * @return this builder
         * @throws IllegalArgumentException if the factory is not initialised or holds no EC or RSA key with a
         *         certificate chain; the message lists the key entries it has
         */
        public Builder keyManager(KeyManagerFactory kmf) {
            KeyManagerCredentials chosen = KeyManagerCredentials.of(kmf, !client);
            return keyManager(chosen.key(), chosen.chain());
        }

        /**
         * Server: presents this certificate chain (leaf first) and unencrypted key, from PEM files, to clients
         * whose SNI host name is {@code name}: an exact name ("api.example.com") or a wildcard for one label
         * ("*.example.com"). Clients that send no name or another one get the default certificate, the one
         * given to {@code forServer}. An exact name wins over a wildcard; naming a name again replaces it.
         *
         * @param name the host name, or a one-label wildcard
         * @param certChainPem the certificate chain for that name, leaf first
         * @param keyPem its unencrypted private key
         * @return this builder
         * @throws IllegalArgumentException for a malformed name or an unreadable PEM file
         */
        public Builder serverName(String name, File certChainPem, File keyPem) {
            Objects.requireNonNull(certChainPem, "certChainPem");
            Objects.requireNonNull(keyPem, "keyPem");
            return serverName(name, PemReader.readPrivateKey(keyPem, null), PemReader.readCertificates(certChainPem));
        }

        /**
         * As {@link #serverName(String, File, File)}.
         *
         * @param name the host name, or a one-label wildcard
         * @param certChainPem the certificate chain for that name, leaf first
         * @param keyPem its unencrypted private key
         * @return this builder
         */
        public Builder serverName(String name, Path certChainPem, Path keyPem) {
            return serverName(name, requireNonNull(certChainPem, "certChainPem").toFile(),
                    requireNonNull(keyPem, "keyPem").toFile());
        }

        /**
         * As {@link #serverName(String, File, File)}, with the key and its chain, leaf first.
         *
         * @param name the host name, or a one-label wildcard
         * @param key the private key for that name
         * @param certChain its certificate chain, leaf first
         * @return this builder
         */
        public Builder serverName(String name, PrivateKey key, X509Certificate... certChain) {
            String normalised = ServerCertificates.normalise(name);
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(certChain, "certChain");
            if (certChain.length == 0) {
                throw new IllegalArgumentException("serverName(\"" + name + "\"): empty certificate chain"
                        + " (expected the leaf first)");
            }
            for (X509Certificate c : certChain) {
                Objects.requireNonNull(c, "certChain contains null");
            }
            serverNames.put(normalised, new KeyCredentials(key, certChain));
            return this;
        }

        /**
         * How many TLS 1.2 sessions to keep for resumption (RFC 5246 §7.3, by session ID): a server keeps
         * that many, least recently used evicted first; a client keeps one per host and port it dialled with
         * {@code newHandler(alloc, host, port)}, for that many. 0 turns resumption off. Default 20,000.
         * TLS 1.3 connections are never resumed: bctls 1.84's server sends no NewSessionTicket.
         *
         * @param size the most sessions kept; 0 turns resumption off
         * @return this builder
         * @throws IllegalArgumentException for a negative size
         */
        public Builder sessionCacheSize(int size) {
            if (size < 0) {
                throw new IllegalArgumentException("sessionCacheSize: " + size + " (expected: >= 0; 0 turns"
                        + " session resumption off)");
            }
            this.sessionCacheSize = size;
            return this;
        }

        /**
         * How long after its full handshake a session may be resumed. Default 5 minutes, OpenSSL's: the
         * session's master secret stays in memory that long, and a resumed connection has no forward secrecy
         * from it.
         *
         * @param timeout how long a session may be resumed after its full handshake
         * @return this builder
         * @throws IllegalArgumentException for a zero or negative duration
         */
        public Builder sessionTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("sessionTimeout: " + timeout + " (expected: > 0; use"
                        + " sessionCacheSize(0) to turn session resumption off)");
            }
            this.sessionTimeout = timeout;
            return this;
        }

        /**
         * Appends every handshake's secrets to {@code file} in the NSS key log format Wireshark reads
         * ({@code CLIENT_RANDOM} lines for TLS 1.2, the four {@code *_TRAFFIC_SECRET*} lines for TLS 1.3), to
         * decrypt captured traffic while debugging. Off by default; {@link #build()} logs a warning when it is
         * on, and fails if the file cannot be appended to. Null turns it off.
         *
         * @param file the key log to append to, or null
         * @return this builder
         */
        public Builder keyLog(Path file) {
            this.keyLogFile = file;
            return this;
        }

        /**
         * Sets an {@link SslWriteOption} for every handler of the context.
         *
         * @param <T> the option's value type
         * @param option one of {@link SslWriteOption}'s constants
         * @param value its value
         * @return this builder
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
         * @return the context, immutable, shared by the handlers it makes
         * @throws SSLException naming what is wrong: an unknown or retired protocol, an unknown cipher
         *         suite or group (with the supported names), an empty list, a key that does not belong to
         *         its certificate, an expired certificate, a trust manager that cannot be used
         */
        public SslWriteContext build() throws SSLException {
            JcaTlsCrypto crypto = CryptoFactory.newCrypto();
            ProtocolVersion[] versions = parseProtocols();
            int[] suites = offeredSuites(crypto, parseCipherSuites(versions), cipherSuites != null);
            int[] groups = offeredGroups(crypto, parseNamedGroups(), namedGroups != null);
            checkApplicationProtocols();

            KeyCredentials credentials = null;
            if (key != null) {
                credentials = new KeyCredentials(key, keyCertChain);
                checkCredentials(crypto, credentials);
            } else if (!client) {
                throw new SSLException("a server needs a certificate and key: use forServer(certChainPem, keyPem)");
            }
            if (!client && credentials != null) {
                checkServerSuites(credentials, versions, suites);
            }
            if (client && !serverNames.isEmpty()) {
                throw new SSLException("serverName() chooses a server's certificate by SNI; a client sends the"
                        + " name given to newHandler(alloc, host, port)");
            }
            for (KeyCredentials named : serverNames.values()) {
                checkCredentials(crypto, named);
                checkServerSuites(named, versions, suites);
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

            KeyLogWriter keyLogWriter = keyLogFile == null ? null : KeyLogWriter.open(keyLogFile);
            return new SslWriteContext(this, credentials, trust, versions, suites, groups, crypto, keyLogWriter);
        }

        private ProtocolVersion[] parseProtocols() throws SSLException {
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
                } else if (containsIgnoreCase(RETIRED_PROTOCOLS, name)) {
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

        private int[] parseCipherSuites(ProtocolVersion[] versions) throws SSLException {
            List<String> names = cipherSuites == null ? CipherSuites.DEFAULTS : Arrays.asList(cipherSuites);
            if (names.isEmpty()) {
                throw new SSLException("cipherSuites(): empty list; name at least one of "
                        + CipherSuites.supportedNames());
            }
            List<Integer> codes = new ArrayList<>();
            for (String name : names) {
                int code = name == null ? -1 : CipherSuites.code(name.trim());
                if (code < 0) {
                    throw new SSLException("unknown cipher suite " + name + " (supported: "
                            + CipherSuites.supportedNames() + ")");
                }
                if (!codes.contains(code)) {
                    codes.add(code);
                }
            }
            boolean usable = false;
            for (int code : codes) {
                for (ProtocolVersion v : versions) {
                    usable |= TlsUtils.isValidVersionForCipherSuite(code, v);
                }
            }
            if (!usable) {
                throw new SSLException("none of the cipher suites " + names + " can be used with "
                        + describe(versions) + ": TLS 1.3 suites (TLS_AES_*, TLS_CHACHA20_*) need TLSv1.3,"
                        + " the others TLSv1.2");
            }
            return toArray(codes);
        }

        private int[] parseNamedGroups() throws SSLException {
            List<String> names = namedGroups == null ? NamedGroups.DEFAULTS : Arrays.asList(namedGroups);
            if (names.isEmpty()) {
                throw new SSLException("namedGroups(): empty list; name at least one of " + NamedGroups.supportedNames());
            }
            List<Integer> codes = new ArrayList<>();
            for (String name : names) {
                int code = name == null ? -1 : NamedGroups.code(name.trim());
                if (code < 0) {
                    throw new SSLException("unknown named group " + name + " (supported: "
                            + NamedGroups.supportedNames() + ")");
                }
                if (!codes.contains(code)) {
                    codes.add(code);
                }
            }
            return toArray(codes);
        }

        private void checkApplicationProtocols() throws SSLException {
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

        private void checkCredentials(JcaTlsCrypto crypto, KeyCredentials c) throws SSLException {
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

        /** A TLS 1.2-only server needs a TLS 1.2 suite its key can sign for. */
        private void checkServerSuites(KeyCredentials c, ProtocolVersion[] versions, int[] suites) throws SSLException {
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

        /**
         * The suites of {@code codes} the crypto runs. A default it lacks is dropped (the FIPS build's
         * crypto has no ChaCha20-Poly1305); one the user named is refused, by name.
         */
        private static int[] offeredSuites(JcaTlsCrypto crypto, int[] codes, boolean named) throws SSLException {
            List<Integer> kept = new ArrayList<>();
            for (int suite : codes) {
                if (TlsUtils.getSupportedCipherSuites(crypto, new int[] {suite}).length > 0) {
                    kept.add(suite);
                } else if (named) {
                    throw new SSLException("cipher suite " + CipherSuites.name(suite) + unavailable(crypto)
                            + suiteNames(crypto) + ")");
                }
            }
            if (kept.isEmpty()) {
                throw new SSLException("none of the default cipher suites " + CipherSuites.DEFAULTS
                        + unavailable(crypto) + suiteNames(crypto) + ")");
            }
            return toArray(kept);
        }

        /** As {@link #offeredSuites} for key-exchange groups (the FIPS build has no x25519 or hybrids). */
        private static int[] offeredGroups(JcaTlsCrypto crypto, int[] codes, boolean named) throws SSLException {
            List<Integer> kept = new ArrayList<>();
            for (int group : codes) {
                if (NamedGroups.isSupported(crypto, group)) {
                    kept.add(group);
                } else if (named) {
                    throw new SSLException("named group " + NamedGroups.name(group) + unavailable(crypto)
                            + groupNames(crypto) + ")");
                }
            }
            if (kept.isEmpty()) {
                throw new SSLException("none of the default named groups " + NamedGroups.DEFAULTS
                        + unavailable(crypto) + groupNames(crypto) + ")");
            }
            return toArray(kept);
        }

        private static String unavailable(JcaTlsCrypto crypto) {
            return crypto instanceof ApprovedOnlyCrypto
                    ? " is refused: this is the FIPS build, which offers only what "
                            + ((ApprovedOnlyCrypto) crypto).module() + " approves; remove it (approved: "
                    : " is not available from the JDK's or BouncyCastle's providers; remove it (available: ";
        }

        private static List<String> suiteNames(JcaTlsCrypto crypto) {
            List<String> names = new ArrayList<>();
            for (String name : CipherSuites.supportedNames()) {
                if (TlsUtils.getSupportedCipherSuites(crypto, new int[] {CipherSuites.code(name)}).length > 0) {
                    names.add(name);
                }
            }
            return names;
        }

        private static List<String> groupNames(JcaTlsCrypto crypto) {
            List<String> names = new ArrayList<>();
            for (String name : NamedGroups.supportedNames()) {
                if (NamedGroups.isSupported(crypto, NamedGroups.code(name))) {
                    names.add(name);
                }
            }
            return names;
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

        private static boolean containsIgnoreCase(List<String> list, String s) {
            for (String e : list) {
                if (e.equalsIgnoreCase(s)) {
                    return true;
                }
            }
            return false;
        }

        private static int[] toArray(List<Integer> list) {
            int[] a = new int[list.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = list.get(i);
            }
            return a;
        }
    }
}
