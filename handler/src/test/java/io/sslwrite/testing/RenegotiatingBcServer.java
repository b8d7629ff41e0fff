package io.sslwrite.testing;

import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.RenegotiationPolicy;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCertificate;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;

/**
 * A TLS 1.2 server that the test drives byte by byte and that can start a renegotiation: bctls's
 * non-blocking {@code TlsServerProtocol} with its protected {@code sendHelloRequestMessage()} made
 * callable, and a renegotiation policy of ACCEPT so that the client's new ClientHello is answered.
 *
 * <pre>{@code
 * RenegotiatingBcServer server = new RenegotiatingBcServer();
 * byte[] toClient = server.receive(clientHelloBytes);   // ServerHello ... ServerHelloDone
 * server.requestRenegotiation();
 * byte[] helloRequest = server.takeOutput();
 * }</pre>
 *
 * <p>It presents {@link TestPki#serverChain()} (EC P-256) and offers ECDHE_ECDSA with AES-128-GCM in
 * the first handshake and AES-256-GCM in every later one, so that a test can tell from the session
 * which handshake a client's parameters come from. Not thread-safe; one connection per instance.
 */
public final class RenegotiatingBcServer extends TlsServerProtocol {

    /** The suite of the initial handshake. */
    public static final String FIRST_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    /** The suite of every renegotiation. */
    public static final String RENEGOTIATED_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";

    private final Peer peer;
    private final ByteArrayOutputStream plaintext = new ByteArrayOutputStream();
    private int refused;

    public RenegotiatingBcServer() {
        peer = new Peer(new JcaTlsCryptoProvider().create(new SecureRandom()));
        try {
            accept(peer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the bctls test server", e);
        }
    }

    /** Sends HelloRequest (RFC 5246 §7.4.1.1): the client should start a new handshake. */
    public void requestRenegotiation() {
        try {
            sendHelloRequestMessage();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send HelloRequest", e);
        }
    }

    @Override
    protected int getRenegotiationPolicy() {
        return RenegotiationPolicy.ACCEPT;
    }

    /**
     * bctls answers a no_renegotiation warning with a fatal handshake_failure; this server counts it
     * and goes on, as RFC 5246 §7.2.2 allows, so that a test can see what a refusing client sends
     * and keep using the connection.
     */
    @Override
    protected void handleAlertWarningMessage(short alertDescription) throws IOException {
        if (alertDescription == AlertDescription.no_renegotiation) {
            refused++;
            return;
        }
        super.handleAlertWarningMessage(alertDescription);
    }

    /** no_renegotiation warnings received from the client. */
    public int renegotiationsRefused() {
        return refused;
    }

    /**
     * Offers the client's wire bytes to bctls, keeps the plaintext they carried (see
     * {@link #plaintext()}), and returns what the server has to send in answer.
     */
    public byte[] receive(byte[] wire) {
        try {
            offerInput(wire);
        } catch (IOException e) {
            throw new UncheckedIOException("the bctls test server refused the client's bytes", e);
        }
        int available = getAvailableInputBytes();
        if (available > 0) {
            byte[] bytes = new byte[available];
            readInput(bytes, 0, available);
            plaintext.writeBytes(bytes);
        }
        return takeOutput();
    }

    /** Encrypts {@code bytes} as application data and returns the records. */
    public byte[] send(byte[] bytes) {
        try {
            writeApplicationData(bytes, 0, bytes.length);
        } catch (IOException e) {
            throw new UncheckedIOException("the bctls test server cannot send application data", e);
        }
        return takeOutput();
    }

    /**
     * {@code count} encrypted application-data records with no data in them: legal one at a time
     * (RFC 5246 §6.2.1), a way to spend the receiver's CPU in a flood.
     */
    public byte[] sendEmptyRecords(int count) {
        try {
            for (int i = 0; i < count; i++) {
                safeWriteRecord(ContentType.application_data, new byte[0], 0, 0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the bctls test server cannot send an empty record", e);
        }
        return takeOutput();
    }

    /** What bctls has queued for the client (handshake messages, alerts, records). */
    public byte[] takeOutput() {
        int available = getAvailableOutputBytes();
        byte[] bytes = new byte[available];
        readOutput(bytes, 0, available);
        return bytes;
    }

    /** All application data the client sent so far, decrypted, in order. */
    public byte[] plaintext() {
        return plaintext.toByteArray();
    }

    /** Handshakes completed: 1 after the initial one, one more per renegotiation. */
    public int handshakesCompleted() {
        return peer.handshakes;
    }

    private static final class Peer extends DefaultTlsServer {
        int handshakes;

        Peer(JcaTlsCrypto crypto) {
            super(crypto);
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.TLSv12.only();
        }

        @Override
        public int[] getCipherSuites() {
            return new int[] {handshakes == 0
                    ? CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
                    : CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384};
        }

        @Override
        protected TlsCredentialedSigner getECDSASignerCredentials() {
            JcaTlsCrypto crypto = (JcaTlsCrypto) getCrypto();
            X509Certificate[] chain = TestPki.serverChain();
            TlsCertificate[] certificates = new TlsCertificate[chain.length];
            for (int i = 0; i < chain.length; i++) {
                certificates[i] = new JcaTlsCertificate(crypto, chain[i]);
            }
            return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto,
                    TestPki.serverKey(), new org.bouncycastle.tls.Certificate(certificates),
                    SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            handshakes++;
        }
    }
}
