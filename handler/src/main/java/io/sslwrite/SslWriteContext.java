package io.sslwrite;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.ClientAuth;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.io.File;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;

import static java.util.Objects.requireNonNull;

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
 * and the TLS 1.2 ECDHE AES-GCM then ChaCha20 suites (nothing without forward secrecy or AEAD); the groups
 * X25519MLKEM768, x25519, secp256r1, secp384r1; clients trust the JDK's default trust store and verify the
 * host name they dial. The FIPS build ({@code sslwrite-handler-fips}, see {@link #isFips()}) keeps of these
 * what its module approves (no ChaCha20, x25519 or hybrid) and refuses the others by name at build().
 */
public final class SslWriteContext {

    private final boolean client;
    private final boolean startTls;
    private final ReloadableMaterial material;
    private final Map<ChannelOption<?>, Object> options;
    private final ContextStats stats = new ContextStats();

    private SslWriteContext(ContextSettings settings, ReloadableMaterial material) {
        this.client = settings.client;
        this.startTls = settings.startTls;
        this.material = material;
        this.options = Map.copyOf(settings.options);
    }

    /**
     * {@return a builder for a server with the certificate chain and unencrypted private key of two PEM files}
     * @param certChainPem the server's certificate chain, leaf first
     * @param keyPem its private key (PKCS#8, PKCS#1 RSA or SEC1 EC)
     */
    public static Builder forServer(File certChainPem, File keyPem) { return forServer(certChainPem, keyPem, null); }

    /**
     * {@return a builder for the server's context, as {@link #forServer(File, File)}}
     * @param certChainPem the server's certificate chain, leaf first
     * @param keyPem its private key (PKCS#8, PKCS#1 RSA or SEC1 EC)
     */
    public static Builder forServer(Path certChainPem, Path keyPem) {
        return new Builder(false).keyManager(certChainPem, keyPem);
    }

    /**
     * {@return a builder as {@link #forServer(File, File)}, whose key {@code keyPassword} decrypts (null: the
     * key is not encrypted)}
     * @param certChainPem the server's certificate chain, leaf first
     * @param keyPem its private key, encrypted PKCS#8 or any form {@link #forServer(File, File)} reads
     * @param keyPassword the key's password, or null
     */
    public static Builder forServer(File certChainPem, File keyPem, String keyPassword) {
        return new Builder(false).keyManager(certChainPem, keyPem, keyPassword);
    }

    /**
     * {@return a builder for a server with {@code key} and its chain, leaf first}
     * @param key the server's private key
     * @param certChain its certificate chain, leaf first
     */
    public static Builder forServer(PrivateKey key, X509Certificate... certChain) {
        return new Builder(false).keyManager(key, certChain);
    }

    /**
     * A server with the key and chain of the alias {@code kmf}'s {@code X509KeyManager} chooses (EC first,
     * then RSA), e.g. from a PKCS#12 or JKS {@code KeyStore} given to {@code kmf.init(keyStore, password)}.
     * @param kmf an initialised key manager factory
     * @return a builder for the server's context
     * @throws IllegalArgumentException if the factory is not initialised or holds no usable key, saying so
     */
    public static Builder forServer(KeyManagerFactory kmf) { return new Builder(false).keyManager(kmf); }

    /** {@return a builder for a client; it trusts the JDK's default trust store unless told otherwise} */
    public static Builder forClient() { return new Builder(true); }

    /**
     * {@return a new handler for a server's channel, or a client's that sends no SNI and verifies no host name}
     * @param alloc the allocator for the handler's ciphertext, usually {@code channel.alloc()}
     */
    public SslWriteHandler newHandler(ByteBufAllocator alloc) { return newHandler(alloc, null, -1); }

    /**
     * {@return a new client handler that sends SNI {@code peerHost} and verifies the server's certificate for it}
     * (RFC 6125)
     * @param alloc the allocator for the handler's ciphertext, usually {@code channel.alloc()}
     * @param peerHost the server's host name (or IP literal, which is verified but not sent as SNI)
     * @param peerPort the server's port
     */
    public SslWriteHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort) {
        return new SslWriteHandler(client, startTls, options, peers(peerHost, peerPort), alloc, stats);
    }

    /** Makes each connection's bctls peer, on the material in use when the connection starts. */
    PeerFactory peers(String peerHost, int peerPort) { return material.peers(client, peerHost, peerPort); }

    /**
     * Reads the PEM files (the default certificate, every {@code serverName}, a client's key, a CA file) again,
     * checks them as {@link Builder#build()} does and swaps them in at once; a {@code KeyManagerFactory} or
     * {@code TrustManagerFactory} is asked again ({@code init} it with the renewed store first). Handlers made
     * after it use the new material, those made before keep theirs. Safe from any thread.
     * @throws SSLException naming the file that does not load or check and why; the material in use stays
     */
    public void reload() throws SSLException { material.reload(); }

    /**
     * Replaces a server's {@link Builder#sessionTicketKeys} at once; to rotate, put the new key first, the old after.
     * @param keys 80-byte keys, the issuing key first; none stops issuing and accepting tickets
     * @throws IllegalArgumentException as {@link Builder#sessionTicketKeys}; IllegalStateException for a client
     */
    public void setSessionTicketKeys(byte[]... keys) { material.setSessionTicketKeys(keys); }

    /** {@return true in the FIPS build ({@code sslwrite-handler-fips}): all crypto from BouncyCastle's FIPS module} */
    public boolean isFips() { return material.current().isFips(); }

    @Override
    public String toString() {
        return "SslWriteContext(" + material.current().describe(client) + (startTls ? ", startTls" : "") + ")";
    }

    /**
     * Collects the configuration. A PEM file is read, and an option value checked, at the call that names it
     * (an {@link IllegalArgumentException} for a bad one); {@link #build()} checks the whole, naming what is valid.
     */
    public static final class Builder {
        private final ContextSettings settings;

        private Builder(boolean client) { this.settings = new ContextSettings(client); }

        /** Every setter ends here: applies its setting and returns the builder. */
        private Builder set(Runnable setting) {
            setting.run();
            return this;
        }

        private static String[] copy(String[] names) { return names == null ? null : names.clone(); }

        private static String setter(String serverName) { return "serverName(\"" + serverName + "\")"; }

        /**
         * "TLSv1.3" and/or "TLSv1.2"; null restores the default (both).
         * @param protocols the protocol versions to offer or accept
         * @return this builder
         */
        public Builder protocols(String... protocols) { return set(() -> settings.protocols = copy(protocols)); }

        /**
         * IANA names in order of preference, e.g. "TLS_AES_128_GCM_SHA256"; null restores the default.
         * @param ianaNames the cipher suites
         * @return this builder
         */
        public Builder cipherSuites(String... ianaNames) { return set(() -> settings.cipherSuites = copy(ianaNames)); }

        /**
         * Key-exchange groups in order of preference, e.g. "X25519MLKEM768", "x25519"; null restores the default.
         * @param groups the named groups
         * @return this builder
         */
        public Builder namedGroups(String... groups) { return set(() -> settings.namedGroups = copy(groups)); }

        /**
         * ALPN protocols (RFC 7301) in order of preference; none (or null) turns ALPN off.
         * @param protocols the protocol names, e.g. "h2", "http/1.1"
         * @return this builder
         */
        public Builder applicationProtocols(String... protocols) {
            settings.applicationProtocols = protocols == null || protocols.length == 0 ? null : protocols.clone();
            return this;
        }

        /**
         * Whether a server asks for a client certificate; ignored by clients. Default {@link ClientAuth#NONE}.
         * @param clientAuth NONE, OPTIONAL or REQUIRE
         * @return this builder
         */
        public Builder clientAuth(ClientAuth clientAuth) {
            return set(() -> settings.clientAuth = requireNonNull(clientAuth, "clientAuth"));
        }

        /**
         * Trust exactly the CA certificates of a PEM file; {@link SslWriteContext#reload()} reads it again.
         * @param caPem the CA certificates
         * @return this builder
         */
        public Builder trustManager(File caPem) {
            return set(() -> settings.trust(PemReader.readCertificates(requireNonNull(caPem, "caPem")), caPem, null));
        }

        /**
         * {@return this builder, as {@link #trustManager(File)}}
         * @param caPem the CA certificates
         */
        public Builder trustManager(Path caPem) { return trustManager(PemReader.file(caPem, "caPem")); }

        /**
         * Trust exactly these CA certificates.
         * @param cas the CA certificates, at least one
         * @return this builder
         */
        public Builder trustManager(X509Certificate... cas) {
            return set(() -> settings.trust(PeerTrust.checkedAnchors(cas), null, null));
        }

        /**
         * Trust what the first {@code X509TrustManager} of {@code tmf} trusts (it must be initialised).
         * @param tmf an initialised trust manager factory
         * @return this builder
         */
        public Builder trustManager(TrustManagerFactory tmf) {
            return set(() -> settings.trust(null, null, requireNonNull(tmf, "tmf")));
        }

        /**
         * Our certificate chain (leaf first) and unencrypted key, from PEM files.
         * @param certChainPem the certificate chain, leaf first
         * @param keyPem the private key (PKCS#8, PKCS#1 RSA or SEC1 EC)
         * @return this builder
         */
        public Builder keyManager(File certChainPem, File keyPem) { return keyManager(certChainPem, keyPem, null); }

        /**
         * {@return this builder, as {@link #keyManager(File, File)}}
         * @param certChainPem the certificate chain, leaf first
         * @param keyPem the private key (PKCS#8, PKCS#1 RSA or SEC1 EC)
         */
        public Builder keyManager(Path certChainPem, Path keyPem) {
            return keyManager(PemReader.file(certChainPem, "certChainPem"), PemReader.file(keyPem, "keyPem"));
        }

        /**
         * {@return this builder, as {@link #keyManager(File, File)} for a key {@code keyPassword} decrypts}
         * @param certChainPem the certificate chain, leaf first
         * @param keyPem the private key, encrypted PKCS#8 or any form {@link #keyManager(File, File)} reads
         * @param keyPassword the key's password, or null (not encrypted)
         */
        public Builder keyManager(File certChainPem, File keyPem, String keyPassword) {
            settings.credentials = CredentialSource.pem("keyManager()", certChainPem, keyPem, keyPassword);
            return this;
        }

        /**
         * Our key and its certificate chain, leaf first.
         * @param key the private key
         * @param certChain its certificate chain, leaf first
         * @return this builder
         */
        public Builder keyManager(PrivateKey key, X509Certificate... certChain) {
            return set(() -> settings.credentials = CredentialSource.fixed("keyManager()", key, certChain));
        }

        /**
         * Our key and chain from the alias {@code kmf}'s {@code X509KeyManager} chooses, here and at each
         * {@link SslWriteContext#reload()} (a server asks per key type, EC first; a client asks for EC or RSA).
         * @param kmf an initialised key manager factory
         * @return this builder
         * @throws IllegalArgumentException if it is not initialised or has no EC or RSA key, listing what it has
         */
        public Builder keyManager(KeyManagerFactory kmf) {
            settings.credentials = CredentialSource.keyManagerFactory("keyManager()", kmf, !settings.client);
            return this;
        }

        /**
         * Server: presents this chain (leaf first) and unencrypted key, from PEM files, to clients whose SNI
         * host name is {@code name}, exact ("api.example.com") or a one-label wildcard ("*.example.com"); an
         * exact name wins over a wildcard, and no name or another one gets {@code forServer}'s certificate.
         * @param name the host name, or a one-label wildcard; naming it again replaces it
         * @param certChainPem the certificate chain for that name, leaf first
         * @param keyPem its unencrypted private key
         * @return this builder
         * @throws IllegalArgumentException for a malformed name or an unreadable PEM file
         */
        public Builder serverName(String name, File certChainPem, File keyPem) {
            return set(() -> settings.serverName(name, CredentialSource.pem(setter(name), certChainPem, keyPem, null)));
        }

        /**
         * {@return this builder, as {@link #serverName(String, File, File)}}
         * @param name the host name, or a one-label wildcard
         * @param certChainPem the certificate chain for that name, leaf first
         * @param keyPem its unencrypted private key
         */
        public Builder serverName(String name, Path certChainPem, Path keyPem) {
            return serverName(name, PemReader.file(certChainPem, "certChainPem"), PemReader.file(keyPem, "keyPem"));
        }

        /**
         * {@return this builder, as {@link #serverName(String, File, File)} with the key and its chain}
         * @param name the host name, or a one-label wildcard
         * @param key the private key for that name
         * @param certChain its certificate chain, leaf first
         */
        public Builder serverName(String name, PrivateKey key, X509Certificate... certChain) {
            return set(() -> settings.serverName(name, CredentialSource.fixed(setter(name), key, certChain)));
        }

        /**
         * How many TLS 1.2 sessions to keep for resumption (RFC 5246 §7.3): a server's least recently used go
         * first; a client's are by host and port. bctls 1.84 resumes no TLS 1.3 session (it sends no tickets).
         * @param size the most sessions kept, default 20,000; 0 turns resumption off
         * @return this builder
         * @throws IllegalArgumentException for a negative size
         */
        public Builder sessionCacheSize(int size) {
            return set(() -> settings.sessionCacheSize = SessionCache.checkedSize(size));
        }

        /**
         * How long after its full handshake a session may be resumed (and its master secret kept in memory).
         * @param timeout default 5 minutes, as OpenSSL's
         * @return this builder
         * @throws IllegalArgumentException for a zero or negative duration
         */
        public Builder sessionTimeout(Duration timeout) {
            return set(() -> settings.sessionTimeout = SessionCache.checkedTimeout(timeout));
        }

        /**
         * Server: resume TLS 1.2 sessions by stateless tickets (RFC 5077) that every server holding the keys opens.
         * Keys are 80 bytes, as nginx's {@code ssl_session_ticket_key} files: a 16-byte name, a 32-byte HMAC
         * secret, a 32-byte AES key. The first seals new tickets, all open them; a ticket under another key, for
         * another SNI name or older than {@link #sessionTimeout} gets a full handshake. None by default.
         * @param keys one or more 80-byte keys, the issuing key first
         * @return this builder
         * @throws IllegalArgumentException for no key, a key of another length or two keys of one name
         */
        public Builder sessionTicketKeys(byte[]... keys) {
            return set(() -> settings.ticketKeys = SessionTicketKeys.parse("sessionTicketKeys()", keys));
        }

        /**
         * Appends every handshake's secrets to {@code file} in the NSS key log format Wireshark reads, to
         * decrypt captured traffic while debugging; {@link #build()} logs a warning when it is on.
         * @param file the key log to append to; null (the default) turns it off
         * @return this builder
         */
        public Builder keyLog(Path file) { return set(() -> settings.keyLogFile = file); }

        /**
         * STARTTLS, as Netty's {@code SslHandler(engine, true)}: the first flush's writes pass in plaintext, then
         * the handshake starts; add the handler just before writing SMTP's "220 Ready to start TLS" (RFC 3207).
         * @param startTls whether the first flush's writes go out in plaintext; default false
         * @return this builder
         */
        public Builder startTls(boolean startTls) { return set(() -> settings.startTls = startTls); }

        /**
         * Sets an {@link SslWriteOption} for every handler of the context.
         * @param <T> the option's value type
         * @param option one of {@link SslWriteOption}'s constants
         * @param value its value
         * @return this builder
         * @throws IllegalArgumentException for an option that is not an {@link SslWriteOption} or a value
         *         out of its range, e.g. "MAX_RECORD_SIZE: 100 (expected: 512..16384)"
         */
        public <T> Builder option(ChannelOption<T> option, T value) {
            OptionValidation.validate(option, value);
            settings.options.put(option, value);
            return this;
        }

        /**
         * Checks the configuration and makes the context.
         * @return the context, immutable, shared by the handlers it makes
         * @throws SSLException naming what is wrong: an unknown or retired protocol, suite or group (with the
         *         valid names), a key not of its certificate, an expired certificate, an unusable trust manager
         */
        public SslWriteContext build() throws SSLException {
            return new SslWriteContext(settings, settings.material());
        }
    }

    /**
     * {@return an immutable snapshot of what every handler made from this context has done since
     * {@link Builder#build()} (DESIGN §3.2; see {@link SslWriteStats}); safe to call from any thread}
     */
    public SslWriteStats stats() {
        return stats.snapshot();
    }
}
