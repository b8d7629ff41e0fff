package io.sslwrite;

import io.netty.handler.ssl.ClientAuth;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import java.util.List;
import java.util.Vector;

/**
 * What the bctls peers ({@link BcTlsClient}, {@link BcTlsServer}) need of a context's configuration,
 * checked and immutable: the context hands them this, so that they depend on it and not on the
 * context.
 */
final class PeerConfig {
    private final JcaTlsCrypto crypto;
    private final ProtocolVersion[] protocolVersions;
    private final int[] cipherSuiteCodes;
    private final int[] namedGroupCodes;
    private final KeyCredentials credentials;
    private final PeerTrust trust;
    private final ClientAuth clientAuth;
    private final List<String> applicationProtocols;

    PeerConfig(JcaTlsCrypto crypto, ProtocolVersion[] protocolVersions, int[] cipherSuiteCodes, int[] namedGroupCodes,
               KeyCredentials credentials, PeerTrust trust, ClientAuth clientAuth, List<String> applicationProtocols) {
        this.crypto = crypto;
        this.protocolVersions = protocolVersions.clone();
        this.cipherSuiteCodes = cipherSuiteCodes.clone();
        this.namedGroupCodes = namedGroupCodes.clone();
        this.credentials = credentials;
        this.trust = trust;
        this.clientAuth = clientAuth;
        this.applicationProtocols = List.copyOf(applicationProtocols);
    }

    JcaTlsCrypto crypto() { return crypto; }

    /** Newest first. */
    ProtocolVersion[] protocolVersions() { return protocolVersions.clone(); }

    int[] cipherSuiteCodes() { return cipherSuiteCodes.clone(); }

    int[] namedGroupCodes() { return namedGroupCodes.clone(); }

    /** Null for a client without a certificate. */
    KeyCredentials credentials() { return credentials; }

    /** Null for a server with {@link ClientAuth#NONE}. */
    PeerTrust trust() { return trust; }

    ClientAuth clientAuth() { return clientAuth; }

    List<String> applicationProtocols() { return applicationProtocols; }

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
}
