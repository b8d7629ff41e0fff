package io.sslwrite;

import io.netty.handler.ssl.ClientAuth;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import java.util.ArrayList;
import java.util.List;
import java.util.Vector;

/**
 * What the bctls peers ({@link BcTlsClient}, {@link BcTlsServer}) need of a context, checked by
 * {@link ContextChecks} and immutable: the context hands them this, so that they depend on it and not
 * on the context. Shared by every connection of the context, so it is read from many event loops;
 * the session cache and the key log it holds are thread-safe.
 */
final class PeerConfig {
    private final JcaTlsCrypto crypto;
    private final ProtocolVersion[] protocolVersions;
    private final int[] cipherSuiteCodes;
    private final int[] namedGroupCodes;
    /** Keys, certificates and trust: what {@link SslWriteContext#reload()} replaces, in a copy of this config. */
    private final ReloadableMaterial.Snapshot material;
    private final ClientAuth clientAuth;
    private final List<String> applicationProtocols;
    private final SessionCache<Object> sessionCache;
    private final KeyLogWriter keyLog;
    private final TicketCodec tickets;

    /**
     * @param material the keys, a server's certificates by SNI name (null for a client) and the trust
     * @param sessionCache TLS 1.2 sessions to resume; null when resumption is off
     * @param keyLog null when off
     * @param tickets a server's session tickets (their keys may be none yet); null for a client
     */
    PeerConfig(JcaTlsCrypto crypto, ProtocolVersion[] protocolVersions, int[] cipherSuiteCodes, int[] namedGroupCodes,
               ReloadableMaterial.Snapshot material, ClientAuth clientAuth, List<String> applicationProtocols,
               SessionCache<Object> sessionCache, KeyLogWriter keyLog, TicketCodec tickets) {
        this.crypto = crypto;
        this.protocolVersions = protocolVersions.clone();
        this.cipherSuiteCodes = cipherSuiteCodes.clone();
        this.namedGroupCodes = namedGroupCodes.clone();
        this.material = material;
        this.clientAuth = clientAuth;
        this.applicationProtocols = List.copyOf(applicationProtocols);
        this.sessionCache = sessionCache;
        this.keyLog = keyLog;
        this.tickets = tickets;
    }

    /** The same configuration with other keys, certificates and trust (a reload); the rest is shared. */
    PeerConfig withMaterial(ReloadableMaterial.Snapshot newMaterial) {
        return new PeerConfig(crypto, protocolVersions, cipherSuiteCodes, namedGroupCodes, newMaterial, clientAuth,
                applicationProtocols, sessionCache, keyLog, tickets);
    }

    JcaTlsCrypto crypto() { return crypto; }

    /** Newest first; a copy, as bctls may keep what it is given. */
    ProtocolVersion[] protocolVersions() { return protocolVersions.clone(); }

    int[] cipherSuiteCodes() { return cipherSuiteCodes.clone(); }

    int[] namedGroupCodes() { return namedGroupCodes.clone(); }

    /** Null for a client without a certificate. */
    KeyCredentials credentials() { return material.credentials(); }

    /** A server's certificates by SNI host name (DESIGN §3.1); null for a client. */
    ServerCertificates serverCertificates() { return material.serverCertificates(); }

    /** Null for a server with {@link ClientAuth#NONE}. */
    PeerTrust trust() { return material.trust(); }

    ClientAuth clientAuth() { return clientAuth; }

    /** Sessions to resume (DESIGN §3.1), or null with {@code sessionCacheSize(0)}. */
    SessionCache<Object> sessionCache() { return sessionCache; }

    /** The key log (DESIGN §3.1), or null when off. */
    KeyLogWriter keyLog() { return keyLog; }

    /** A server's TLS 1.2 session tickets (DESIGN §3.2); null for a client. */
    TicketCodec tickets() { return tickets; }

    /** {@code true} when every operation runs on a FIPS module (the {@code sslwrite-handler-fips} build). */
    boolean isFips() { return crypto instanceof ApprovedOnlyCrypto; }

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

    /** For {@code SslWriteContext.toString()}: what is offered, by name. */
    String describe(boolean client) {
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
        return (client ? "client" : "server") + ", protocols=" + versions + ", cipherSuites=" + suites
                + ", namedGroups=" + groups
                + (applicationProtocols.isEmpty() ? "" : ", alpn=" + applicationProtocols)
                + (client ? "" : ", clientAuth=" + clientAuth)
                + (trust() == null ? "" : ", trust=" + trust())
                + ", fips=" + (isFips() ? ((ApprovedOnlyCrypto) crypto).module() : "no");
    }
}
