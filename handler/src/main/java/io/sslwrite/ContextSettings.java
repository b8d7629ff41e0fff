package io.sslwrite;

import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.ClientAuth;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an {@link SslWriteContext.Builder} has been told, each part checked alone as it was set, and
 * {@link #peerConfig()}, which checks them as a whole ({@link ContextChecks}). Null means "the default".
 */
final class ContextSettings {
    final boolean client;
    String[] protocols;
    String[] cipherSuites;
    String[] namedGroups;
    String[] applicationProtocols;
    ClientAuth clientAuth = ClientAuth.NONE;
    X509Certificate[] trustAnchors;
    TrustManagerFactory trustManagerFactory;
    KeyCredentials credentials;
    /** SNI name (normalised) to its certificate, in the order given. */
    final Map<String, KeyCredentials> serverNames = new LinkedHashMap<>();
    int sessionCacheSize = 20_000;
    Duration sessionTimeout = Duration.ofMinutes(5);
    Path keyLogFile;
    boolean startTls;
    final Map<ChannelOption<?>, Object> options = new LinkedHashMap<>();

    ContextSettings(boolean client) {
        this.client = client;
    }

    /** The bctls peers' configuration, or an {@link SSLException} that says what is wrong. */
    PeerConfig peerConfig() throws SSLException {
        JcaTlsCrypto crypto = CryptoFactory.newCrypto();
        ProtocolVersion[] versions = ContextChecks.protocols(protocols);
        int[] suites = ContextChecks.cipherSuites(cipherSuites, versions, crypto);
        int[] groups = ContextChecks.namedGroups(namedGroups, crypto);
        List<String> alpn = ContextChecks.applicationProtocols(applicationProtocols);
        ContextChecks.keys(crypto, client, credentials, serverNames.values(), versions, suites);
        PeerTrust trust = ContextChecks.trust(client, clientAuth, trustManagerFactory, trustAnchors);
        ServerCertificates certificates = client ? null : new ServerCertificates(credentials, serverNames);
        SessionCache<Object> sessions = sessionCacheSize == 0 ? null : new SessionCache<>(sessionCacheSize, sessionTimeout);
        KeyLogWriter keyLog = keyLogFile == null ? null : KeyLogWriter.open(keyLogFile);
        return new PeerConfig(crypto, versions, suites, groups, credentials, certificates, trust, clientAuth, alpn,
                sessions, keyLog);
    }
}
