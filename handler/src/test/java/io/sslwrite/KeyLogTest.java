package io.sslwrite;

import io.netty.buffer.Unpooled;
import io.sslwrite.testing.LeakDetectionExtension;
import io.sslwrite.testing.Records;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §3.1, the key log, tested the way Wireshark uses it: the secrets logged for a connection decrypt
 * application-data records captured from its wire (TLS 1.3: RFC 8446 §7.1 and §5.3; TLS 1.2 AES-GCM: RFC 5246
 * §6.3 and RFC 5288 §3), in both directions. The key schedule here is written from the RFCs with the JDK's
 * HMAC and AES-GCM, independent of bctls.
 */
@ExtendWith(LeakDetectionExtension.class)
class KeyLogTest {

    private static final byte[] TO_SERVER = "GET / HTTP/1.1 from the client, through the key log".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TO_CLIENT = "200 OK from the server, through the key log".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void tls13TrafficSecretsDecryptTheFirstApplicationRecordEachWay() throws Exception {
        Path log = dir.resolve("keys.log");
        try (TlsPair pair = TlsPair.handshaken(c -> c.keyLog(log).protocols("TLSv1.3"), s -> { })) {
            Map<String, byte[]> secrets = secrets(log);
            assertEquals(Map.of(), missing(secrets, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                    "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"));
            exchange(pair);

            assertEquals(new String(TO_SERVER, StandardCharsets.US_ASCII),
                    tls13Decrypt(pair.wire(), secrets.get("CLIENT_TRAFFIC_SECRET_0")));
            assertEquals(new String(TO_CLIENT, StandardCharsets.US_ASCII),
                    tls13Decrypt(pair.serverWire(), secrets.get("SERVER_TRAFFIC_SECRET_0")));
        }
    }

    @Test
    void tls12MasterSecretDecryptsTheFirstApplicationRecordEachWay() throws Exception {
        Path log = dir.resolve("keys.log");
        try (TlsPair pair = TlsPair.builder().server(s -> s.keyLog(log).protocols("TLSv1.2")).build()) {
            pair.transfer();    // the handshake, with the wire kept: the ServerHello has the server random
            assertTrue(pair.clientHandler().handshakeFuture().isSuccess());
            byte[] clientWire = pair.wire();
            byte[] serverWire = pair.serverWire();
            pair.clearWire();
            exchange(pair);

            Map<String, byte[]> secrets = secrets(log);
            byte[] clientRandom = secrets.get("CLIENT_RANDOM#random");
            byte[] master = secrets.get("CLIENT_RANDOM");
            assertEquals(48, master.length);
            // ServerHello (RFC 5246 §7.4.1.3): record header 5, handshake header 4, version 2, then 32 random bytes.
            assertEquals(2, serverWire[5]);
            byte[] serverRandom = Arrays.copyOfRange(serverWire, 11, 43);
            byte[] keyBlock = prfSha256(master, "key expansion", concat(serverRandom, clientRandom), 40);
            byte[] clientKey = Arrays.copyOfRange(keyBlock, 0, 16);
            byte[] serverKey = Arrays.copyOfRange(keyBlock, 16, 32);
            byte[] clientSalt = Arrays.copyOfRange(keyBlock, 32, 36);
            byte[] serverSalt = Arrays.copyOfRange(keyBlock, 36, 40);
            // Each side's Finished was record 0 under the new keys; the first application record is number 1.
            assertTrue(clientWire.length > 0 && serverWire.length > 0);
            assertEquals(new String(TO_SERVER, StandardCharsets.US_ASCII),
                    tls12Decrypt(pair.wire(), clientKey, clientSalt, 1));
            assertEquals(new String(TO_CLIENT, StandardCharsets.US_ASCII),
                    tls12Decrypt(pair.serverWire(), serverKey, serverSalt, 1));
        }
    }

    @Test
    void offByDefault() throws Exception {
        try (TlsPair pair = TlsPair.handshaken()) {
            try (var files = Files.list(dir)) {
                assertFalse(files.findAny().isPresent());
            }
        }
    }

    @Test
    void aFileThatCannotBeAppendedToFailsBuildSayingSo() {
        javax.net.ssl.SSLException e = org.junit.jupiter.api.Assertions.assertThrows(javax.net.ssl.SSLException.class,
                () -> SslWriteContext.forClient().keyLog(dir).build());     // a directory
        assertTrue(e.getMessage().startsWith("keyLog(" + dir + "): cannot append to the file"), e.getMessage());
    }

    private static void exchange(TlsPair pair) {
        pair.client().writeAndFlush(Unpooled.wrappedBuffer(TO_SERVER));
        pair.transfer();
        pair.server().writeAndFlush(Unpooled.wrappedBuffer(TO_CLIENT));
        pair.transfer();
        assertEquals(new String(TO_SERVER, StandardCharsets.US_ASCII), new String(pair.serverReceived(), StandardCharsets.US_ASCII));
    }

    // ---- the key log file ----

    /** Label to secret; for CLIENT_RANDOM also "CLIENT_RANDOM#random" to the client random. One connection. */
    private static Map<String, byte[]> secrets(Path log) throws Exception {
        Map<String, byte[]> out = new HashMap<>();
        List<String> lines = Files.readAllLines(log);
        for (String line : lines) {
            String[] f = line.split(" ");
            assertEquals(3, f.length, "NSS key log line: LABEL CLIENT_RANDOM SECRET: " + line);
            assertEquals(64, f[1].length(), "32-byte client random in hex: " + line);
            assertFalse(out.containsKey(f[0]), "one connection logs each label once: " + lines);
            out.put(f[0], HexFormat.of().parseHex(f[2]));
            out.put(f[0] + "#random", HexFormat.of().parseHex(f[1]));
        }
        return out;
    }

    private static Map<String, String> missing(Map<String, byte[]> secrets, String... labels) {
        Map<String, String> missing = new HashMap<>();
        for (String label : labels) {
            if (!secrets.containsKey(label)) {
                missing.put(label, "missing");
            }
        }
        return missing;
    }

    // ---- TLS 1.3, TLS_AES_128_GCM_SHA256 ----

    /** Decrypts the first application-data record of {@code wire} (sequence number 0) with {@code trafficSecret}. */
    private static String tls13Decrypt(byte[] wire, byte[] trafficSecret) throws Exception {
        Records.Record record = Records.parse(wire).applicationData().get(0);
        byte[] key = hkdfExpandLabel(trafficSecret, "key", 16);
        byte[] iv = hkdfExpandLabel(trafficSecret, "iv", 12);     // nonce = iv XOR 0 for record 0
        // The record's offset is where its fragment starts, after the header.
        byte[] header = Arrays.copyOfRange(wire, record.offset() - Records.HEADER_LENGTH, record.offset());
        byte[] body = Arrays.copyOfRange(wire, record.offset(), record.offset() + record.length());
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        gcm.updateAAD(header);
        byte[] inner = gcm.doFinal(body);
        // TLSInnerPlaintext: content, then the real content type, then zero padding (RFC 8446 §5.2).
        int end = inner.length - 1;
        while (inner[end] == 0) {
            end--;
        }
        assertEquals(Records.APPLICATION_DATA, inner[end]);
        return new String(inner, 0, end, StandardCharsets.US_ASCII);
    }

    /** HKDF-Expand-Label(secret, label, "", length) with SHA-256 (RFC 8446 §7.1). */
    private static byte[] hkdfExpandLabel(byte[] secret, String label, int length) throws Exception {
        byte[] fullLabel = ("tls13 " + label).getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.write(length >> 8);
        info.write(length);
        info.write(fullLabel.length);
        info.write(fullLabel);
        info.write(0);                       // empty context
        info.write(1);                       // HKDF-Expand's counter: one block is enough for <= 32 bytes
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(secret, "HmacSHA256"));
        return Arrays.copyOf(hmac.doFinal(info.toByteArray()), length);
    }

    // ---- TLS 1.2, TLS_ECDHE_*_WITH_AES_128_GCM_SHA256 ----

    /** Decrypts the first application-data record of {@code wire}, whose sequence number is {@code seq}. */
    private static String tls12Decrypt(byte[] wire, byte[] key, byte[] salt, long seq) throws Exception {
        Records.Record record = Records.parse(wire).applicationData().get(0);
        int start = record.offset();
        byte[] explicitNonce = Arrays.copyOfRange(wire, start, start + 8);
        byte[] body = Arrays.copyOfRange(wire, start + 8, start + record.length());
        int plaintextLength = body.length - 16;
        ByteBuffer aad = ByteBuffer.allocate(13).putLong(seq).put((byte) Records.APPLICATION_DATA)
                .putShort((short) record.version()).putShort((short) plaintextLength);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, concat(salt, explicitNonce)));
        gcm.updateAAD(aad.array());
        return new String(gcm.doFinal(body), StandardCharsets.US_ASCII);
    }

    /** P_SHA256 (RFC 5246 §5). */
    private static byte[] prfSha256(byte[] secret, String label, byte[] seed, int length) throws Exception {
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(secret, "HmacSHA256"));
        byte[] labelSeed = concat(label.getBytes(StandardCharsets.US_ASCII), seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] a = labelSeed;
        while (out.size() < length) {
            a = hmac.doFinal(a);
            out.write(hmac.doFinal(concat(a, labelSeed)));
        }
        return Arrays.copyOf(out.toByteArray(), length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
