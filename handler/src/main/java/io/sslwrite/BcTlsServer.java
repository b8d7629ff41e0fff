package io.sslwrite;

import io.netty.handler.ssl.ClientAuth;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ExtensionType;
import org.bouncycastle.tls.KeyShareEntry;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.NewSessionTicket;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsExtensionsUtils;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Hashtable;
import java.util.Objects;
import java.util.Vector;

/**
 * The bctls {@code TlsServer} of one connection, configured from a server context's {@link PeerConfig}:
 * versions, suites (in our order), groups, ALPN, the server's credentials and, with
 * {@link ClientAuth#OPTIONAL}/{@link ClientAuth#REQUIRE}, the request and PKIX check of a client
 * certificate. Renegotiation is the handler's protocol subclass's business (DESIGN §4.6).
 */
@SuppressWarnings("rawtypes") // bctls's TlsClient/TlsServer API takes and returns raw Vector and Hashtable
final class BcTlsServer extends DefaultTlsServer implements SslWriteSession.Tls12GroupSource,
        SslWriteSession.ServerNameSource {

    /**
     * certificate_authorities lists are capped: with a large trust store (the JDK's holds ~150 CAs) the
     * list would be kilobytes of every handshake; without one, clients just offer their certificate.
     */
    private static final int MAX_CERTIFICATE_AUTHORITIES = 64;
    private static final Integer SESSION_TICKET = ExtensionType.session_ticket;

    private final PeerConfig config;
    private final PeerListener listener;
    private int tls12Group = -1;
    /** The groups of the client's TLS 1.3 key shares, in its order, from its latest ClientHello. */
    private int[] clientShareGroups = new int[0];
    /** The client's supported_groups, in its order, from the same ClientHello. */
    private int[] clientSupportedGroups = new int[0];
    /** The SNI host name the client sent; bctls clears its own copy when the handshake completes. */
    private String sniHostName;
    /** Whether the client's ClientHello had a SessionTicket extension (RFC 5077 §3.2): it takes tickets. */
    private boolean clientTakesTickets;
    /** The state of the ticket the client offered, opened and for this SNI name; null for none (or not ours). */
    private TicketState offeredTicket;

    BcTlsServer(PeerConfig config, PeerListener listener) {
        super(config.crypto());
        this.config = config;
        this.listener = listener;
    }

    @Override
    public int tls12Group() {
        return tls12Group;
    }

    /**
     * The TLS 1.3 group, worked out as bctls selects it (TlsUtils.selectKeyShare): the client's first
     * key share whose group we list and the crypto runs. bctls-fips records none itself.
     */
    @Override
    public int tls13Group() {
        if (!TlsUtils.isTLSv13(context)) {
            return -1;      // a TLS 1.3-capable client sends key shares even when TLS 1.2 is chosen
        }
        int[] ours = getSupportedGroups();
        for (int group : clientShareGroups) {
            // A share's group is one of the client's supported_groups: bctls checks that (RFC 8446 §4.2.8).
            if (contains(ours, group) && NamedGroups.isSupported(getCrypto(), group)) {
                return group;
            }
        }
        // No share fitted, so bctls sent a HelloRetryRequest (RFC 8446 §4.1.4) for the client's first
        // supported group that we share (TlsUtils.selectKeyShareGroup); the second ClientHello, which
        // bctls does not show us, carried that share alone.
        for (int group : clientSupportedGroups) {
            if (contains(ours, group) && NamedGroups.isSupported(getCrypto(), group)) {
                return group;
            }
        }
        return -1;
    }

    /** The host_name the client asked for with SNI (RFC 6066 §3), or null. */
    String sniHostName() {
        return sniHostName;
    }

    @Override
    public String serverName() {
        return sniHostName;
    }

    /** The certificate for the client's SNI name, or the default one (DESIGN §3.1). */
    private KeyCredentials credentials() {
        return config.serverCertificates().select(sniHostName);
    }

    @Override
    public void processClientExtensions(Hashtable clientExtensions) throws IOException {
        super.processClientExtensions(clientExtensions);
        Vector<?> shares = clientExtensions == null ? null : TlsExtensionsUtils.getKeyShareClientHello(clientExtensions);
        int[] supported = clientExtensions == null ? null : TlsExtensionsUtils.getSupportedGroupsExtension(clientExtensions);
        clientSupportedGroups = supported == null ? new int[0] : supported;
        clientShareGroups = new int[shares == null ? 0 : shares.size()];
        for (int i = 0; i < clientShareGroups.length; i++) {
            clientShareGroups[i] = ((KeyShareEntry) shares.get(i)).getNamedGroup();
        }
        Vector<?> names = clientExtensions == null ? null : TlsExtensionsUtils.getServerNameExtensionClient(clientExtensions);
        sniHostName = null;
        if (names != null) {
            for (Object o : names) {
                ServerName name = (ServerName) o;
                if (name.getNameType() == NameType.host_name) {
                    sniHostName = new String(name.getNameData(), StandardCharsets.US_ASCII);
                }
            }
        }
        // The suites were chosen at init() for the default certificate; the named one may have another key type.
        cipherSuites = getSupportedCipherSuites();
        openOfferedTicket(clientExtensions);
    }

    /**
     * RFC 5077 §3.2: a ClientHello's SessionTicket extension, empty or with a ticket, says the client takes one;
     * a ticket we can open, made for the SNI name asked for now (RFC 6066 §3), is resumed in
     * {@link #getSessionToResume}, which bctls calls next. None in a renegotiation, a full handshake.
     */
    private void openOfferedTicket(Hashtable<?, ?> clientExtensions) throws IOException {
        TicketCodec tickets = config.tickets();
        byte[] ticket = clientExtensions == null || tickets == null || HandshakeRecords.isRenegotiation(context) ? null
                : TlsUtils.getExtensionData(clientExtensions, SESSION_TICKET);
        clientTakesTickets = ticket != null;
        TicketState state = ticket == null || ticket.length == 0 ? null : tickets.open(ticket, System.currentTimeMillis());
        offeredTicket = state != null && Objects.equals(state.serverName(), sniHostName)
                && contains(offeredCipherSuites, state.cipherSuite())
                && contains(getSupportedCipherSuites(), state.cipherSuite()) ? state : null;
    }

    /**
     * RFC 5077 §3.3: a ticket for a full TLS 1.2 handshake of a client that takes them, while we hold keys. Not
     * for a client that sent a certificate: the ticket does not carry it, so clientAuth servers issue none.
     */
    @Override
    public Hashtable getServerExtensions() throws IOException {
        Hashtable extensions = super.getServerExtensions();
        if (clientTakesTickets && !TlsUtils.isTLSv13(context) && config.tickets().issuing()
                && config.clientAuth() == ClientAuth.NONE) {
            extensions.put(SESSION_TICKET, TlsUtils.EMPTY_BYTES);
        }
        return extensions;
    }

    /**
     * A resumed session's server extensions are those stored with it; bctls sends no NewSessionTicket in a
     * resumed handshake, so the SessionTicket extension a full one stored must not be announced again.
     */
    @Override
    public void getServerExtensionsForConnection(Hashtable serverExtensions) throws IOException {
        super.getServerExtensionsForConnection(serverExtensions);
        if (context.getSecurityParametersHandshake().isResumedSession()) {
            serverExtensions.remove(SESSION_TICKET);
        }
    }

    /**
     * The ticket, sealed under the first key: this session's suite, master secret, SNI name and ALPN protocol.
     * bctls calls this after the client's Finished, while the master secret lives; {@code extract()} destroys
     * a secret, so a copy of it is extracted. With the keys removed since the ServerHello, an empty ticket,
     * which RFC 5077 §3.3 allows.
     */
    @Override
    public NewSessionTicket getNewSessionTicket() throws IOException {
        SecurityParameters parameters = context.getSecurityParametersHandshake();
        byte[] secret = getCrypto().adoptSecret(parameters.getMasterSecret()).extract();
        ProtocolName alpn = parameters.getApplicationProtocol();
        TicketState state = new TicketState(parameters.getCipherSuite(), parameters.isExtendedMasterSecret(), secret,
                System.currentTimeMillis(), sniHostName, alpn == null ? null : alpn.getUtf8Decoding());
        try {
            byte[] ticket = config.tickets().seal(state);
            return ticket == null ? new NewSessionTicket(0L, TlsUtils.EMPTY_BYTES)
                    : new NewSessionTicket(config.tickets().lifetimeHintSeconds(), ticket);
        } catch (GeneralSecurityException e) {
            throw new TlsFatalAlert(AlertDescription.internal_error, "cannot seal a session ticket: " + e.getMessage(), e);
        } finally {
            java.util.Arrays.fill(secret, (byte) 0);
        }
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return config.protocolVersions();
    }

    /**
     * The configured suites the crypto implements, less the TLS 1.2 suites our key cannot sign for
     * (an ECDHE_RSA suite with an EC certificate): bctls would otherwise select one and then fail.
     */
    @Override
    protected int[] getSupportedCipherSuites() {
        String keyType = credentials().keyType();
        int[] all = TlsUtils.getSupportedCipherSuites(getCrypto(), config.cipherSuiteCodes());
        int n = 0;
        int[] usable = new int[all.length];
        for (int suite : all) {
            String needed = CipherSuites.serverKeyType(suite);
            if (needed == null || needed.equals(keyType)) {
                usable[n++] = suite;
            }
        }
        return java.util.Arrays.copyOf(usable, n);
    }

    /** Our order wins: AES-GCM before ChaCha20 (DESIGN §6), whatever the client lists first. */
    @Override
    protected boolean preferLocalCipherSuites() {
        return true;
    }

    @Override
    public int[] getSupportedGroups() {
        int[] configured = config.namedGroupCodes();
        int n = 0;
        int[] usable = new int[configured.length];
        for (int group : configured) {
            if (NamedGroups.isSupported(getCrypto(), group)) {
                usable[n++] = group;
            }
        }
        return java.util.Arrays.copyOf(usable, n);
    }

    /**
     * The client's order decides among the groups we share (bctls's default): the client has already
     * sent a key share for its favourite, and picking ours instead would cost a HelloRetryRequest.
     * Not marked {@code @Override}: bctls-fips 2.1.20, which the FIPS build compiles this class against,
     * has no such method and takes the client's order anyway.
     */
    public boolean preferLocalSupportedGroups() {
        return false;
    }

    /**
     * TLS 1.2 ECDHE: the client's first curve that we also configured. bctls's default takes any curve
     * the client lists, ignoring our configuration.
     */
    @Override
    protected int selectECDH(int minimumCurveBits) {
        int[] ours = getSupportedGroups();
        int[] theirs = context.getSecurityParametersHandshake().getClientSupportedGroups();
        int[] candidates = theirs != null ? theirs : ours;
        for (int group : candidates) {
            if (NamedGroup.refersToAnECDHCurve(group)
                    && NamedGroup.canBeNegotiated(group, ProtocolVersion.TLSv12)
                    && NamedGroup.getCurveBits(group) >= minimumCurveBits
                    && contains(ours, group)) {
                tls12Group = group;
                return group;
            }
        }
        return -1;
    }

    @Override
    protected Vector getProtocolNames() {
        return config.alpnProtocolNames();
    }

    @Override
    public TlsCredentials getCredentials() throws IOException {
        boolean tls13 = TlsUtils.isTLSv13(context);
        return credentials().signer(context, (JcaTlsCrypto) getCrypto(),
                context.getSecurityParametersHandshake().getClientSigAlgs(), tls13, TlsUtils.EMPTY_BYTES);
    }

    @Override
    public CertificateRequest getCertificateRequest() throws IOException {
        if (config.clientAuth() == ClientAuth.NONE) {
            return null;
        }
        Vector<?> sigAlgs = TlsUtils.getDefaultSupportedSignatureAlgorithms(context);
        Vector<X500Name> authorities = null;
        X509Certificate[] issuers = config.trust().acceptedIssuers();
        if (issuers.length > 0 && issuers.length <= MAX_CERTIFICATE_AUTHORITIES) {
            authorities = new Vector<>();
            for (X509Certificate ca : issuers) {
                authorities.add(X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()));
            }
        }
        if (TlsUtils.isTLSv13(context)) {
            // RFC 8446 §4.3.2: the context is empty outside post-handshake authentication.
            return new CertificateRequest(TlsUtils.EMPTY_BYTES, sigAlgs, null, authorities);
        }
        short[] types = {ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign};
        return new CertificateRequest(types, sigAlgs, authorities);
    }

    @Override
    public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
        boolean tls13 = TlsUtils.isTLSv13(context);
        if (clientCertificate == null || clientCertificate.isEmpty()) {
            if (config.clientAuth() == ClientAuth.REQUIRE) {
                // RFC 8446 §4.4.2.4 names the alert for TLS 1.3; RFC 5246 §7.4.6 leaves handshake_failure.
                throw new TlsFatalAlert(tls13 ? AlertDescription.certificate_required : AlertDescription.handshake_failure,
                        "client sent no certificate, but this server requires one (clientAuth REQUIRE);"
                                + " configure the client with keyManager(...)");
            }
            return;
        }
        X509Certificate[] chain = SslWriteSession.toX509(clientCertificate);
        config.trust().checkClient(chain, chain[0].getPublicKey().getAlgorithm());
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
     * The session of the ticket the client offered (see {@link #openOfferedTicket}), else a session ID from the
     * cache, for the same SNI name (RFC 6066 §3); null for a full handshake, which a
     * renegotiation always is (as OpenSSL's SSL_renegotiate: a renegotiation is for new keys or credentials).
     */
    @Override
    public TlsSession getSessionToResume(byte[] sessionID) {
        TicketState ticket = offeredTicket;
        offeredTicket = null;
        if (ticket != null && sessionID.length > 0) {
            try {
                // RFC 5077 §3.4: the server echoes the client's session ID when it accepts the ticket.
                return TlsUtils.importSession(sessionID.clone(), ticket.toSessionParameters(getCrypto()));
            } catch (IOException e) {
                // Only the ALPN name is encoded, and it was encoded before: look in the cache instead.
            }
        }
        SessionCache<Object> cache = config.sessionCache();
        return cache == null || sessionID.length == 0 || HandshakeRecords.isRenegotiation(context) ? null
                : cache.get(HandshakeRecords.serverKey(sessionID), sniHostName);
    }

    /** RFC 5246 §7.4.1.3: an ID for a new TLS 1.2 session, so that the client may resume it; none when off. */
    @Override
    public byte[] getNewSessionID() {
        return config.sessionCache() == null ? null : context.getNonceGenerator().generateNonce(32);
    }

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        HandshakeRecords.completed(config, context, null, sniHostName, null);
        // What bctls keeps of the ClientHello and of our extensions is read only during the handshake;
        // its notifyHandshakeBeginning() resets the same fields for the next one (a TLS 1.2
        // renegotiation). Dropped now, so that an idle connection does not keep them.
        offeredCipherSuites = null;
        clientExtensions = null;
        serverExtensions.clear();
        certificateStatusRequest = null;
        statusRequestV2 = null;
        trustedCAKeys = null;
        clientProtocolNames = null;
        listener.handshakeComplete();
    }

    /** bctls's own limit lets a legal ClientHello through; {@link HandshakeFraming} limits the rest. */
    @Override
    public int getMaxHandshakeMessageSize() {
        return HandshakeFraming.MAX_CLIENT_HELLO;
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

    private static boolean contains(int[] array, int value) {
        for (int v : array) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }
}
