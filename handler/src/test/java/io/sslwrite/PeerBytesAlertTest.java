package io.sslwrite;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sslwrite.testing.Records;
import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.crypto.TlsCipher;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.TlsEncodeResult;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alert a peer receives for malformed bytes, as tlsfuzzer checks it: the one RFC 8446 / RFC 5246
 * names, never {@code internal_error} (which tells the peer the fault is ours). Each case sends raw
 * bytes, or a bctls client made to misbehave, to a server handler on an {@code EmbeddedChannel}, and
 * reads the alert off the wire (a plaintext alert) or as the client decrypts it.
 */
class PeerBytesAlertTest {

    private static final int SERVER_HELLO = 2;

    @Test
    void aClientHelloVersionAboveTls12IsAnsweredWithTls12() throws Exception {
        // RFC 5246 Appendix E.1, RFC 8446 §4.1.2: a server answers a higher version with its highest.
        for (int version : new int[] {0x0304, 0x0401, 0x0603, 0xFEFE, 0xFEFF}) {
            Server server = new Server();
            server.feed(clientHello(version, 0));
            String what = String.format("legacy_version 0x%04x", version);
            assertEquals(List.of(), server.alertsSent(), what + ": " + server.exceptions);
            assertEquals(0x0303, server.serverHelloVersion(), what);
            assertTrue(server.exceptions.isEmpty(), what + ": " + server.exceptions);
            server.finish();
        }
    }

    @Test
    void aClientHelloVersionBelowAnyTlsGetsProtocolVersion() throws Exception {
        for (int version : new int[] {0x0000, 0x0200, 0x0300}) {
            Server server = new Server();
            server.feed(clientHello(version, 0));
            assertEquals(List.of((int) AlertDescription.protocol_version), server.alertsSent(),
                    String.format("legacy_version 0x%04x", version));
            server.finish();
        }
    }

    @Test
    void aClientHelloWithA64KiBExtensionSplitOverRecordsIsAnswered() throws Exception {
        for (int extension : new int[] {32_768, 65_385}) {
            Server server = new Server();
            server.feed(clientHello(0x0303, extension));
            assertEquals(List.of(), server.alertsSent(), extension + "-byte extension: " + server.exceptions);
            assertEquals(0x0303, server.serverHelloVersion());
            server.finish();
        }
    }

    @Test
    void aClientHelloWhoseVectorsDoNotFillItGetsDecodeError() throws Exception {
        // cipher_suites announced 10 bytes long where 6 are: it swallows the compression methods and the
        // extensions' length, and bctls reads the compression methods from the first extension's type
        // (0x0101: one method, 1, no null one) and refuses them as handshake_failure.
        byte[] hello = clientHello(0x0303, 4);
        int cipherSuitesLength = 5 + 4 + 2 + 32 + 1;
        assertEquals(6, hello[cipherSuitesLength + 1]);
        hello[cipherSuitesLength + 1] = 10;
        Server server = new Server();
        server.feed(hello);
        assertEquals(List.of((int) AlertDescription.decode_error), server.alertsSent());
        server.finish();
    }

    @Test
    void aHandshakeMessageLongerThanAnyOfItsTypeGetsDecodeError() throws Exception {
        // A ClientHello announcing 1 MiB, and one a byte longer than the syntax allows: record header,
        // then the 4-byte handshake header alone.
        for (int length : new int[] {1 << 20, HandshakeFraming.MAX_CLIENT_HELLO + 1}) {
            Server server = new Server();
            server.feed(new byte[] {22, 3, 1, 0, 4, 1, (byte) (length >>> 16), (byte) (length >>> 8), (byte) length});
            assertEquals(List.of((int) AlertDescription.decode_error), server.alertsSent(), length + " bytes");
            assertFalse(server.channel.isOpen());
            server.finish();
        }
    }

    @Test
    void aTruncatedTls13FinishedGetsDecodeError() throws Exception {
        // The Finished of TLS_AES_128_GCM_SHA256 carries 32 bytes of verify_data; this one 4, encrypted.
        Server server = new Server();
        RawClient client = new RawClient(new byte[] {20, 0, 0, 4, 1, 2, 3, 4});
        client.handshakeWith(server, null);
        assertEquals(List.of((int) AlertDescription.decode_error), client.fatalAlertsReceived);
        server.finish();
    }

    @Test
    void anUnencryptedTls13FinishedGetsUnexpectedMessage() throws Exception {
        // RFC 8446 §5.1: after the ServerHello, a handshake record in plaintext is out of place.
        byte[] finished = new byte[4 + 32];
        finished[0] = 20;
        finished[3] = 32;
        byte[] record = new byte[5 + finished.length];
        record[0] = ContentType.handshake;
        record[1] = 3;
        record[2] = 3;
        record[4] = (byte) finished.length;
        System.arraycopy(finished, 0, record, 5, finished.length);
        Server server = new Server();
        RawClient client = new RawClient(new byte[0]);
        client.handshakeWith(server, record);
        assertEquals(List.of((int) AlertDescription.unexpected_message), client.fatalAlertsReceived);
        server.finish();
    }

    @Test
    void aKeyUpdateWithUpdateRequestedIsAnsweredAtOnceWithNothingToWrite() throws Exception {
        // RFC 8446 §4.6.3; a peer may wait for the answer before writing on (tlsfuzzer's "app data split").
        Server server = new Server();
        RawClient client = new RawClient();
        client.handshakeWith(server, null);
        server.feed(client.output()); // the client's Finished
        client.protocol.requestKeyUpdate();
        byte[] answer = server.feed(client.output());
        Records records = Records.parse(answer);
        assertEquals(1, records.size(), "one record: the server's KeyUpdate");
        assertEquals(5 + (4 + 1) + Records.TLS13_AEAD_OVERHEAD, records.get(0).wireLength());
        client.offer(answer);
        assertTrue(server.exceptions.isEmpty(), server.exceptions.toString());
        // Both sides now write with the new keys, and each reads the other's.
        server.channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
        client.offer(server.feed(new byte[0]));
        assertEquals(3, client.protocol.getAvailableInputBytes());
        assertEquals(List.of(), client.fatalAlertsReceived);
        server.finish();
    }

    @Test
    void applicationDataBetweenTheRecordsOfAKeyUpdateGetsUnexpectedMessage() throws Exception {
        // RFC 8446 §5.1: handshake messages split over records are not interleaved with other types.
        Server server = new Server();
        RawClient client = new RawClient();
        client.handshakeWith(server, null);
        client.protocol.send(ContentType.handshake, new byte[] {24, 0});
        client.protocol.send(ContentType.application_data, "GET".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        client.protocol.send(ContentType.handshake, new byte[] {0, 1, 1});
        client.offer(server.feed(client.output()));
        assertEquals(List.of((int) AlertDescription.unexpected_message), client.fatalAlertsReceived);
        server.finish();
    }

    @Test
    void twoKeyUpdatesInOneRecordGetUnexpectedMessage() throws Exception {
        // RFC 8446 §5.1: a KeyUpdate ends its record (the keys change after it).
        Server server = new Server();
        RawClient client = new RawClient();
        client.handshakeWith(server, null);
        client.protocol.send(ContentType.handshake, new byte[] {24, 0, 0, 1, 0, 24, 0, 0, 1, 1});
        client.offer(server.feed(client.output()));
        assertEquals(List.of((int) AlertDescription.unexpected_message), client.fatalAlertsReceived);
        server.finish();
    }

    @Test
    void anEmptyTls13AlertRecordGetsUnexpectedMessage() throws Exception {
        // RFC 8446 §5.4: Handshake and Alert records never carry zero bytes of content.
        for (short type : new short[] {ContentType.alert, ContentType.handshake}) {
            Server server = new Server();
            RawClient client = new RawClient();
            client.handshakeWith(server, null);
            client.offer(server.feed(client.sealFirstApplicationRecord(type, new byte[0])));
            assertEquals(List.of((int) AlertDescription.unexpected_message), client.fatalAlertsReceived,
                    ContentType.getText(type));
            server.finish();
        }
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * A TLS 1.2 ClientHello (RFC 5246 §7.4.1.2) with {@code legacyVersion}, ECDHE and AES-GCM, no
     * supported_versions, and first an unassigned extension (0x0101) of {@code padding} bytes if not 0,
     * in records of at most 2^14 bytes.
     */
    static byte[] clientHello(int legacyVersion, int padding) {
        ByteArrayOutputStream extensions = new ByteArrayOutputStream();
        if (padding > 0) {
            extension(extensions, 0x0101, new byte[padding]);
        }
        extension(extensions, 10, new byte[] {0, 4, 0, 0x1d, 0, 0x17});            // x25519, secp256r1
        extension(extensions, 11, new byte[] {1, 0});                              // uncompressed points
        extension(extensions, 13, new byte[] {0, 4, 4, 3, 8, 4});                  // ecdsa_p256, rsa_pss
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(legacyVersion >>> 8);
        body.write(legacyVersion);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        body.writeBytes(random);
        body.write(0);                                                             // no session id
        // ECDHE_{ECDSA,RSA}_AES_128_GCM, and the renegotiation SCSV bctls requires (RFC 5746 §3.6)
        body.writeBytes(new byte[] {0, 6, (byte) 0xc0, 0x2b, (byte) 0xc0, 0x2f, 0, (byte) 0xff});
        body.writeBytes(new byte[] {1, 0});                                        // null compression
        body.write(extensions.size() >>> 8);
        body.write(extensions.size());
        body.writeBytes(extensions.toByteArray());
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        message.write(1);
        message.write(body.size() >>> 16);
        message.write(body.size() >>> 8);
        message.write(body.size());
        message.writeBytes(body.toByteArray());
        byte[] m = message.toByteArray();
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        for (int off = 0; off < m.length; off += Records.MAX_PLAINTEXT) {
            int n = Math.min(Records.MAX_PLAINTEXT, m.length - off);
            records.writeBytes(new byte[] {22, 3, 1, (byte) (n >>> 8), (byte) n});
            records.write(m, off, n);
        }
        return records.toByteArray();
    }

    private static void extension(ByteArrayOutputStream out, int type, byte[] data) {
        out.write(type >>> 8);
        out.write(type);
        out.write(data.length >>> 8);
        out.write(data.length);
        out.writeBytes(data);
    }

    /** A fresh server handler ({@link SecurityDefaultsTest.Server}) that also says what it answered. */
    static final class Server {
        private final SecurityDefaultsTest.Server server = new SecurityDefaultsTest.Server(b -> { });
        final EmbeddedChannel channel = server.channel;
        final List<Throwable> exceptions = server.exceptions;

        Server() throws SSLException {
        }

        /** Feeds bytes and returns what the server wrote in answer. */
        byte[] feed(byte[] bytes) {
            int before = server.wire.size();
            server.feed(bytes);
            byte[] wire = server.wire.toByteArray();
            return Arrays.copyOfRange(wire, before, wire.length);
        }

        List<Integer> alertsSent() {
            return server.alertsSent();
        }

        /** server_version of the ServerHello the server sent first (RFC 5246 §7.4.1.3), or -1. */
        int serverHelloVersion() {
            byte[] bytes = server.wire.toByteArray();
            Records records = Records.parse(bytes);
            if (records.isEmpty() || records.get(0).type() != Records.HANDSHAKE
                    || bytes[records.get(0).offset()] != SERVER_HELLO) {
                return -1;
            }
            int at = records.get(0).offset() + 4;
            return (bytes[at] & 0xff) << 8 | bytes[at + 1] & 0xff;
        }

        void finish() {
            server.finish();
        }
    }

    /**
     * bctls's TLS 1.3 client, driven by hand, that trusts any certificate. Given a Finished of the
     * test's making, it sends that (one handshake record, encrypted, none if empty) instead of its own,
     * and reads on with the application keys without completing.
     */
    static final class RawClient extends DefaultTlsClient {
        final List<Integer> fatalAlertsReceived = new ArrayList<>();
        private final byte[] finished;
        private final Protocol protocol = new Protocol();
        private boolean flightAnswered;

        /** A client that sends its own Finished. */
        RawClient() {
            this(null);
        }

        RawClient(byte[] finished) {
            super(new RecordingCrypto());
            this.finished = finished;
        }

        /**
         * bctls's JCA crypto (in the default and the FIPS build alike), keeping the last record cipher it
         * made: after the handshake, the application one.
         */
        static final class RecordingCrypto extends JcaTlsCrypto {
            TlsCipher last;

            RecordingCrypto() {
                super(new DefaultJcaJceHelper(), new SecureRandom(), new SecureRandom());
            }

            @Override
            public TlsCipher createCipher(TlsCryptoParameters params, int encryptionAlgorithm, int macAlgorithm)
                    throws IOException {
                last = super.createCipher(params, encryptionAlgorithm, macAlgorithm);
                return last;
            }
        }

        /**
         * The client's first application-phase record, sealed here rather than by bctls, which writes no
         * empty Handshake or Alert record: sequence number 0 of the client's application keys.
         */
        byte[] sealFirstApplicationRecord(short contentType, byte[] content) throws IOException {
            TlsCipher cipher = ((RecordingCrypto) getCrypto()).last;
            TlsEncodeResult sealed = cipher.encodePlaintext(0, contentType, ProtocolVersion.TLSv12, 5,
                    content, 0, content.length);
            byte[] record = Arrays.copyOfRange(sealed.buf, sealed.off, sealed.off + sealed.len);
            int length = record.length - 5;
            record[0] = (byte) sealed.recordType;
            record[1] = 3;
            record[2] = 3;
            record[3] = (byte) (length >>> 8);
            record[4] = (byte) length;
            return record;
        }

        /** Records of the test's making, encrypted with the client's current keys. */
        final class Protocol extends TlsClientProtocol {
            @Override
            protected void send13FinishedMessage() throws IOException {
                if (finished == null) {
                    super.send13FinishedMessage();
                } else if (finished.length > 0) {
                    safeWriteRecord(ContentType.handshake, finished, 0, finished.length);
                }
                flightAnswered = true;
            }

            @Override
            protected void completeHandshake() throws IOException {
                if (finished == null) {
                    super.completeHandshake();
                }
            }

            void send(short contentType, byte[] fragment) throws IOException {
                safeWriteRecord(contentType, fragment, 0, fragment.length);
            }

            void requestKeyUpdate() throws IOException {
                send13KeyUpdate(true);
            }
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.TLSv13.only();
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) {
                }

                @Override
                public TlsCredentials getClientCredentials(CertificateRequest certificateRequest) {
                    return null;
                }
            };
        }

        @Override
        public void notifyAlertReceived(short alertLevel, short alertDescription) {
            if (alertLevel == AlertLevel.fatal) {
                fatalAlertsReceived.add((int) alertDescription);
            }
        }

        /**
         * Runs the handshake with {@code server} until one side stops; once the client has answered the
         * server's flight, {@code afterFlight} (raw bytes) goes to the server too, if not null.
         */
        void handshakeWith(Server server, byte[] afterFlight) throws IOException {
            protocol.connect(this);
            boolean injected = afterFlight == null;
            for (int round = 0; round < 10 && !protocol.isClosed(); round++) {
                byte[] answer = server.feed(output());
                if (!injected && flightAnswered) {
                    answer = concat(answer, server.feed(afterFlight));
                    injected = true;
                }
                if (answer.length == 0) {
                    return;
                }
                offer(answer);
            }
        }

        /** What the client has written since last asked. */
        byte[] output() {
            byte[] out = new byte[protocol.getAvailableOutputBytes()];
            protocol.readOutput(out, 0, out.length);
            return out;
        }

        /** Gives the client what the server sent; a fatal alert in it is noted, not thrown. */
        void offer(byte[] fromServer) throws IOException {
            try {
                protocol.offerInput(fromServer);
            } catch (TlsFatalAlertReceived e) {
                // noted by notifyAlertReceived
            }
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] all = new byte[a.length + b.length];
            System.arraycopy(a, 0, all, 0, a.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            return all;
        }
    }
}
