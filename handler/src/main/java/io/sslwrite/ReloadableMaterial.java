package io.sslwrite;

import io.netty.handler.ssl.ClientAuth;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.io.File;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A context's keys, certificates and trust anchors, which {@link SslWriteContext#reload()} replaces while
 * connections run. The material in use is one immutable {@link PeerConfig} behind one volatile reference:
 * a connection's bctls peer takes the reference once, when its handler is made, and keeps that snapshot
 * for the connection's life (its renegotiations included), so a reload never changes a handshake half-way.
 * A reload reads everything again, checks it as {@code build()} does, and only then swaps the reference;
 * if anything fails to load or check, it throws and the reference stays as it was.
 *
 * <p>Readers never lock; reloads are serialised, so that two at once cannot swap in a mix or leave the
 * older material last.
 */
final class ReloadableMaterial {

    /** The part of a {@link PeerConfig} that a reload replaces. */
    record Snapshot(KeyCredentials credentials, ServerCertificates serverCertificates, PeerTrust trust) { }

    private final JcaTlsCrypto crypto;
    private final boolean client;
    private final ProtocolVersion[] versions;
    private final int[] suites;
    private final ClientAuth clientAuth;
    /** Null for a client without a certificate. */
    private final CredentialSource own;
    private final Map<String, CredentialSource> byName;
    private final File trustAnchorFile;
    private final X509Certificate[] trustAnchors;
    private final TrustManagerFactory trustManagerFactory;
    private volatile PeerConfig current;

    /**
     * @param trustAnchorFile the PEM file the anchors came from, read again on reload; null when none
     * @param trustAnchors the anchors as given (or as first read from the file); null for the default
     */
    ReloadableMaterial(JcaTlsCrypto crypto, boolean client, ProtocolVersion[] versions, int[] suites,
                       ClientAuth clientAuth, CredentialSource own, Map<String, CredentialSource> byName,
                       File trustAnchorFile, X509Certificate[] trustAnchors, TrustManagerFactory trustManagerFactory) {
        this.crypto = crypto;
        this.client = client;
        this.versions = versions.clone();
        this.suites = suites.clone();
        this.clientAuth = clientAuth;
        this.own = own;
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
        this.trustAnchorFile = trustAnchorFile;
        this.trustAnchors = trustAnchors;
        this.trustManagerFactory = trustManagerFactory;
    }

    /** The material the builder read, checked as a whole ({@link ContextChecks#keys}, then the trust). */
    Snapshot first() throws SSLException {
        KeyCredentials credentials = own == null ? null : own.initial();
        Map<String, KeyCredentials> named = new LinkedHashMap<>();
        byName.forEach((name, source) -> named.put(name, source.initial()));
        ContextChecks.keys(crypto, client, credentials, named.values(), versions, suites);
        PeerTrust trust = ContextChecks.trust(client, clientAuth, trustManagerFactory, trustAnchors);
        return snapshot(credentials, named, trust);
    }

    /** Sets the configuration the first handlers use; called once, by {@code build()}. */
    void start(PeerConfig config) {
        current = config;
    }

    /**
     * Makes each connection's bctls peer on the material current when its connection starts: a client's
     * dials {@code peerHost}, a server's ignores it.
     */
    PeerFactory peers(boolean asClient, String peerHost, int peerPort) {
        return asClient ? listener -> new BcTlsClient(current, peerHost, peerPort, listener)
                : listener -> new BcTlsServer(current, listener);
    }

    /** The configuration a connection starting now uses. */
    PeerConfig current() {
        return current;
    }

    /** Replaces a server's ticket keys; they are shared by every snapshot, so a reload keeps them. */
    void setSessionTicketKeys(byte[]... keys) {
        TicketCodec tickets = current.tickets();
        if (tickets == null) {
            throw new IllegalStateException("setSessionTicketKeys(): a client context issues no tickets");
        }
        tickets.setKeys(keys == null || keys.length == 0 ? null : SessionTicketKeys.parse("setSessionTicketKeys()", keys));
    }

    /**
     * Reads every source again, checks the result and swaps it in.
     * @throws SSLException naming the file (or factory) that failed and why; the material in use stays
     */
    synchronized void reload() throws SSLException {
        KeyCredentials credentials = own == null ? null : read(own);
        Map<String, KeyCredentials> named = new LinkedHashMap<>();
        for (Map.Entry<String, CredentialSource> e : byName.entrySet()) {
            named.put(e.getKey(), read(e.getValue()));
        }
        check(own, credentials, client);
        for (Map.Entry<String, CredentialSource> e : byName.entrySet()) {
            check(e.getValue(), named.get(e.getKey()), false);
        }
        X509Certificate[] anchors = trustAnchors;
        if (trustAnchorFile != null) {
            try {
                anchors = PemReader.readCertificates(trustAnchorFile);
            } catch (IllegalArgumentException e) {
                throw failure(e.getMessage(), e);
            }
        }
        PeerTrust trust;
        try {
            trust = ContextChecks.trust(client, clientAuth, trustManagerFactory, anchors);
        } catch (SSLException e) {
            throw failure(e.getMessage(), e);
        }
        current = current.withMaterial(snapshot(credentials, named, trust));
    }

    private Snapshot snapshot(KeyCredentials credentials, Map<String, KeyCredentials> named, PeerTrust trust) {
        return new Snapshot(credentials, client ? null : new ServerCertificates(credentials, named), trust);
    }

    private static KeyCredentials read(CredentialSource source) throws SSLException {
        try {
            return source.load();
        } catch (RuntimeException e) {
            // Each message names its source: PemReader's start with the file's path, KeyManagerCredentials'
            // with the factory.
            throw failure(e.getMessage(), e);
        }
    }

    private void check(CredentialSource source, KeyCredentials credentials, boolean ownOfClient) throws SSLException {
        if (source == null) {
            return;
        }
        try {
            ContextChecks.keys(crypto, ownOfClient, credentials, List.of(), versions, suites);
        } catch (SSLException e) {
            throw failure(source.origin() + ": " + e.getMessage(), e);
        }
    }

    private static SSLException failure(String reason, Exception cause) {
        return new SSLException("reload() failed, the key material in use stays: " + reason, cause);
    }
}
