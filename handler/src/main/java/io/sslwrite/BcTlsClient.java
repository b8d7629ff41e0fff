package io.sslwrite;

import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.CertificateStatusRequest;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.DefaultTlsKeyExchangeFactory;
import org.bouncycastle.tls.ExtensionType;
import org.bouncycastle.tls.KeyExchangeAlgorithm;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.NewSessionTicket;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsECDHEKeyExchange;
import org.bouncycastle.tls.TlsKeyExchange;
import org.bouncycastle.tls.TlsKeyExchangeFactory;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Hashtable;
import java.util.Locale;
import java.util.Vector;

/**
 * The bctls {@code TlsClient} of one connection, configured from a client context's {@link PeerConfig}:
 * versions, suites, groups, ALPN, SNI, the server's certificate check (PKIX, then RFC 6125 against
 * {@code peerHost}) and the optional client certificate. Renegotiation is left to the handler's
 * protocol subclass (DESIGN §4.6): bctls consults the protocol object, not this peer.
 */
@SuppressWarnings("rawtypes") // bctls's TlsClient/TlsServer API takes and returns raw Vector and Hashtable
final class BcTlsClient extends DefaultTlsClient implements SslWriteSession.Tls12GroupSource,
        SslWriteSession.ServerNameSource {

    private static final Integer SESSION_TICKET = ExtensionType.session_ticket;

    private final PeerConfig config;
    private final String peerHost;
    /** "host:port" for the session cache; null without a host name, and then nothing is resumed. */
    private final String sessionKey;
    private final PeerListener listener;
    /** The curve of a TLS 1.2 ECDHE exchange; bctls records a group only for TLS 1.3. */
    private int tls12Group = -1;
    /** The group of the server's TLS 1.3 key share, read off the wire: bctls-fips records none. */
    private int tls13Group = -1;
    /** The RFC 5077 ticket offered with the session to resume; null for none. */
    private byte[] offeredTicket;
    /** The ticket the server sent in this handshake's NewSessionTicket; null for none. */
    private byte[] receivedTicket;

    BcTlsClient(PeerConfig config, String peerHost, int peerPort, PeerListener listener) {
        super(config.crypto());
        this.config = config;
        this.peerHost = peerHost;
        this.sessionKey = peerHost == null ? null : peerHost.toLowerCase(Locale.ROOT) + ":" + peerPort;
        this.listener = listener;
    }

    @Override
    public int tls12Group() {
        return tls12Group;
    }

    @Override
    public int tls13Group() {
        // Only TLS 1.3 records a ServerHello in the clear after which nothing else is a handshake record.
        return TlsUtils.isTLSv13(context) ? tls13Group : -1;
    }

    /**
     * Called with each whole record the server sends during the first handshake, before bctls reads
     * it: remembers the group of the last ServerHello's key_share (RFC 8446 §4.2.8; a HelloRetryRequest
     * names the group it wants there too, and the real ServerHello follows it).
     */
    void observeServerRecord(byte[] record, int length) {
        int group = ServerHelloKeyShare.group(record, length);
        if (group >= 0) {
            tls13Group = group;
        }
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return config.protocolVersions();
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return TlsUtils.getSupportedCipherSuites(getCrypto(), config.cipherSuiteCodes());
    }

    /**
     * The configured groups, in the configured order, that the crypto implements; with TLS 1.3 off, the
     * groups only TLS 1.3 can use (the ML-KEM hybrids) are left out of the ClientHello.
     */
    @Override
    protected Vector getSupportedGroups(Vector namedGroupRoles) {
        boolean tls13 = ProtocolVersion.contains(getProtocolVersions(), ProtocolVersion.TLSv13);
        Vector<Integer> groups = new Vector<>();
        for (int group : config.namedGroupCodes()) {
            if ((tls13 || NamedGroup.canBeNegotiated(group, ProtocolVersion.TLSv12))
                    && NamedGroups.isSupported(getCrypto(), group)) {
                groups.add(group);
            }
        }
        return groups;
    }

    /**
     * One key share, for the first configured group (RFC 8446 §4.2.8): bctls's default would pick x25519
     * whenever it is listed, which would send the post-quantum hybrid only after a HelloRetryRequest.
     */
    @Override
    public Vector getEarlyKeyShareGroups() {
        if (supportedGroups == null) {
            return null;
        }
        for (Object g : supportedGroups) {
            if (NamedGroup.canBeNegotiated((Integer) g, ProtocolVersion.TLSv13)) {
                return TlsUtils.vectorOfOne(g);
            }
        }
        return null;
    }

    @Override
    protected Vector getProtocolNames() {
        return config.alpnProtocolNames();
    }

    @Override
    public String serverName() {
        Vector<?> names = getSNIServerNames();
        return names == null ? null : new String(((ServerName) names.get(0)).getNameData(), StandardCharsets.US_ASCII);
    }

    /** RFC 6066 §3: a host name, never an IP literal, without a trailing dot, in its A-label form. */
    @Override
    protected Vector getSNIServerNames() {
        if (peerHost == null || HostnameVerifier.isIpLiteral(peerHost)) {
            return null;
        }
        String host = peerHost.endsWith(".") ? peerHost.substring(0, peerHost.length() - 1) : peerHost;
        try {
            host = java.net.IDN.toASCII(host).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (host.isEmpty()) {
            return null;
        }
        return TlsUtils.vectorOfOne(new ServerName(NameType.host_name, host.getBytes(StandardCharsets.US_ASCII)));
    }

    /** No OCSP stapling request: nothing here would check the response. */
    @Override
    protected CertificateStatusRequest getCertificateStatusRequest() {
        return null;
    }

    @Override
    public TlsKeyExchangeFactory getKeyExchangeFactory() {
        return new DefaultTlsKeyExchangeFactory() {
            @Override
            public TlsKeyExchange createECDHEKeyExchangeClient(int keyExchange) {
                return new TlsECDHEKeyExchange(keyExchange) {
                    @Override
                    public void processServerKeyExchange(InputStream input) throws IOException {
                        super.processServerKeyExchange(input);
                        tls12Group = ecConfig.getNamedGroup();
                    }
                };
            }
        };
    }

    @Override
    public TlsAuthentication getAuthentication() {
        return new TlsAuthentication() {
            @Override
            public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                X509Certificate[] chain = SslWriteSession.toX509(serverCertificate.getCertificate());
                String authType = TlsUtils.isTLSv13(context) ? "UNKNOWN"
                        : keyExchangeName(context.getSecurityParametersHandshake().getKeyExchangeAlgorithm());
                config.trust().checkServer(chain, authType, peerHost);
            }

            @Override
            public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                KeyCredentials credentials = config.credentials();
                if (credentials == null) {
                    return null;            // an empty Certificate; the server decides (RFC 8446 §4.4.2.4)
                }
                boolean tls13 = TlsUtils.isTLSv13(context);
                if (!tls13) {
                    // RFC 5246 §7.4.4: only certificate types the server listed.
                    short wanted = credentials.keyType().equals("EC")
                            ? ClientCertificateType.ecdsa_sign : ClientCertificateType.rsa_sign;
                    short[] types = request.getCertificateTypes();
                    if (types == null || !org.bouncycastle.util.Arrays.contains(types, wanted)) {
                        return null;
                    }
                }
                return credentials.signer(context, (JcaTlsCrypto) getCrypto(),
                        request.getSupportedSignatureAlgorithms(), tls13, request.getCertificateRequestContext());
            }
        };
    }

    @Override
    public boolean requiresCloseNotify() {
        return true;
    }

    @Override
    public boolean shouldUseExtendedPadding() {
        return false;
    }

    /**
     * The cached TLS 1.2 session for this host and port, offered in the ClientHello (bctls offers it only with
     * TLS 1.2 enabled, and drops it if the server picks TLS 1.3); none in a renegotiation, which is a full
     * handshake as OpenSSL's client makes on a HelloRequest.
     */
    @Override
    public TlsSession getSessionToResume() {
        SessionCache<Object> cache = config.sessionCache();
        SessionCache.Resumption kept = cache == null || sessionKey == null || HandshakeRecords.isRenegotiation(context)
                ? null : cache.resumption(sessionKey, null);
        offeredTicket = kept == null ? null : kept.ticket();
        return kept == null ? null : kept.session();
    }

    /**
     * RFC 5077 §3.2: while sessions are kept, the ClientHello's SessionTicket extension asks for a ticket (empty)
     * or offers the one kept with the session to resume, whose ID bctls sends beside it (§3.4: the server
     * echoes that ID when it accepts the ticket). Not in a renegotiation, a full handshake.
     */
    @Override
    public Hashtable getClientExtensions() throws IOException {
        Hashtable extensions = super.getClientExtensions();
        if (config.sessionCache() != null && sessionKey != null && !HandshakeRecords.isRenegotiation(context)
                && ProtocolVersion.contains(getProtocolVersions(), ProtocolVersion.TLSv12)) {
            extensions.put(SESSION_TICKET, offeredTicket == null ? TlsUtils.EMPTY_BYTES : offeredTicket);
        }
        return extensions;
    }

    /** RFC 5077 §3.3: kept with the session when the handshake completes; an empty ticket is none. */
    @Override
    public void notifyNewSessionTicket(NewSessionTicket newSessionTicket) throws IOException {
        byte[] ticket = newSessionTicket.getTicket();
        receivedTicket = ticket == null || ticket.length == 0 ? null : ticket.clone();
    }

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        HandshakeRecords.completed(config, context, sessionKey, null, receivedTicket);
        receivedTicket = null;
        offeredTicket = null;
        listener.handshakeComplete();
    }

    @Override
    public void notifyAlertRaised(short alertLevel, short alertDescription, String message, Throwable cause) {
        super.notifyAlertRaised(alertLevel, alertDescription, message, cause);
        listener.alertRaised(alertLevel, alertDescription, message, cause);
    }

    @Override
    public void notifyAlertReceived(short alertLevel, short alertDescription) {
        super.notifyAlertReceived(alertLevel, alertDescription);
        listener.alertReceived(alertLevel, alertDescription);
    }

    /** The JDK trust manager's authType for a TLS 1.2 key exchange (it picks the key usage to require). */
    static String keyExchangeName(int keyExchangeAlgorithm) {
        switch (keyExchangeAlgorithm) {
            case KeyExchangeAlgorithm.ECDHE_ECDSA:
                return "ECDHE_ECDSA";
            case KeyExchangeAlgorithm.ECDHE_RSA:
                return "ECDHE_RSA";
            case KeyExchangeAlgorithm.DHE_RSA:
                return "DHE_RSA";
            default:
                return "UNKNOWN";
        }
    }
}
