package io.sslwrite;

import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.ClientAuth;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.io.File;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an {@link SslWriteContext.Builder} has been told, each part checked alone as it was set, and
 * {@link #material()}, which checks them as a whole ({@link ContextChecks}). Null means "the default".
 */
final class ContextSettings {
    final boolean client;
    String[] protocols;
    String[] cipherSuites;
    String[] namedGroups;
    String[] applicationProtocols;
    ClientAuth clientAuth = ClientAuth.NONE;
    X509Certificate[] trustAnchors;
    /** The PEM file {@link #trustAnchors} were read from, read again by a reload; null if given otherwise. */
    File trustAnchorFile;
    TrustManagerFactory trustManagerFactory;
    CredentialSource credentials;
    /** SNI name (normalised) to its certificate, in the order given. */
    final Map<String, CredentialSource> serverNames = new LinkedHashMap<>();
    int sessionCacheSize = 20_000;
    Duration sessionTimeout = Duration.ofMinutes(5);
    Path keyLogFile;
    /** A server's session ticket keys; null: none until {@code setSessionTicketKeys}. */
    SessionTicketKeys ticketKeys;
    boolean startTls;
    final Map<ChannelOption<?>, Object> options = new LinkedHashMap<>();

    ContextSettings(boolean client) {
        this.client = client;
    }

    /**
     * A server's certificate for an SNI name, stored under its normalised form (naming it again replaces it).
     * @throws IllegalArgumentException for a malformed name
     */
    void serverName(String name, CredentialSource source) {
        serverNames.put(ServerCertificates.normalise(name), source);
    }

    /** One way of trusting peers: CA certificates (and the file they came from, or null) or a factory. */
    void trust(X509Certificate[] anchors, File anchorFile, TrustManagerFactory factory) {
        trustAnchors = anchors;
        trustAnchorFile = anchorFile;
        trustManagerFactory = factory;
    }

    /**
     * The bctls peers' configuration, held by the {@link ReloadableMaterial} returned, or an
     * {@link SSLException} that says what is wrong.
     */
    ReloadableMaterial material() throws SSLException {
        JcaTlsCrypto crypto = CryptoFactory.newCrypto();
        ProtocolVersion[] versions = ContextChecks.protocols(protocols);
        int[] suites = ContextChecks.cipherSuites(cipherSuites, versions, crypto);
        int[] groups = ContextChecks.namedGroups(namedGroups, crypto);
        List<String> alpn = ContextChecks.applicationProtocols(applicationProtocols);
        ContextChecks.sessionTickets(client, ticketKeys, versions);
        ReloadableMaterial material = new ReloadableMaterial(crypto, client, versions, suites, clientAuth, credentials,
                serverNames, trustAnchorFile, trustAnchors, trustManagerFactory);
        ReloadableMaterial.Snapshot first = material.first();
        SessionCache<Object> sessions = sessionCacheSize == 0 ? null : new SessionCache<>(sessionCacheSize, sessionTimeout);
        KeyLogWriter keyLog = keyLogFile == null ? null : KeyLogWriter.open(keyLogFile);
        TicketCodec tickets = client ? null : new TicketCodec(crypto, sessionTimeout, ticketKeys);
        material.start(new PeerConfig(crypto, versions, suites, groups, first, clientAuth, alpn, sessions, keyLog,
                tickets));
        return material;
    }
}
