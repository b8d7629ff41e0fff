package io.sslwrite.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * TLS records read from wire bytes (RFC 8446 §5.1: one byte type, two bytes version, two bytes length,
 * then the fragment), so that tests assert on what went out: how many records, of which type, how long.
 * Parsing only reads headers; it neither decrypts nor copies fragments.
 *
 * <pre>{@code
 * Records records = Records.parse(pair.wire());
 * assertEquals(64, records.applicationData().size());
 * }</pre>
 *
 * <p>In TLS 1.3 every encrypted record, handshake messages after the ServerHello included, travels as
 * {@code application_data(23)}: count application data on bytes sent after the handshake.
 */
public final class Records extends AbstractList<Records.Record> {

    /** Plaintext encrypted in one pass of the handler (DESIGN §4.3): four full records. */
    public static final int MAX_BATCH = 65536;
    /** Largest plaintext of one record (RFC 8446 §5.1: 2^14). */
    public static final int MAX_PLAINTEXT = 16384;
    /** Record header: type, version, length. */
    public static final int HEADER_LENGTH = 5;
    /** TLS 1.3 AEAD record overhead: inner content type byte and 16-byte tag. */
    public static final int TLS13_AEAD_OVERHEAD = 1 + 16;
    /** TLS 1.2 AES-GCM record overhead: 8-byte explicit nonce and 16-byte tag. */
    public static final int TLS12_AES_GCM_OVERHEAD = 8 + 16;

    public static final int CHANGE_CIPHER_SPEC = 20;
    public static final int ALERT = 21;
    public static final int HANDSHAKE = 22;
    public static final int APPLICATION_DATA = 23;

    /** One record header and where its fragment lies in the parsed bytes. */
    public record Record(int type, int version, int length, int offset) {

        /** Header plus fragment. */
        public int wireLength() {
            return HEADER_LENGTH + length;
        }

        public boolean isApplicationData() {
            return type == APPLICATION_DATA;
        }

        public String typeName() {
            return typeName(type);
        }

        static String typeName(int type) {
            return switch (type) {
                case CHANGE_CIPHER_SPEC -> "change_cipher_spec";
                case ALERT -> "alert";
                case HANDSHAKE -> "handshake";
                case APPLICATION_DATA -> "application_data";
                default -> "unknown";
            };
        }

        /** "TLSv1.2" for 0x0303 and so on; TLS 1.3 records carry 0x0303 too (RFC 8446 §5.1). */
        public String versionName() {
            return switch (version) {
                case 0x0300 -> "SSLv3";
                case 0x0301 -> "TLSv1";
                case 0x0302 -> "TLSv1.1";
                case 0x0303 -> "TLSv1.2";
                case 0x0304 -> "TLSv1.3";
                default -> String.format("0x%04x", version);
            };
        }

        @Override
        public String toString() {
            return typeName() + "(" + type + ") " + versionName() + " " + length;
        }
    }

    private final List<Record> records;
    private final int trailingBytes;

    private Records(List<Record> records, int trailingBytes) {
        this.records = Collections.unmodifiableList(records);
        this.trailingBytes = trailingBytes;
    }

    /** Every record in {@code wire}; fails if the bytes end inside a record. */
    public static Records parse(byte[] wire) {
        Records records = parseLeniently(wire);
        if (records.trailingBytes != 0) {
            throw new IllegalArgumentException("wire bytes end inside a record: " + records.trailingBytes
                    + " bytes after " + records.size() + " whole records (" + wire.length + " bytes in all)");
        }
        return records;
    }

    /** Every record in the readable bytes of {@code wire}, which is left untouched. */
    public static Records parse(ByteBuf wire) {
        return parse(ByteBufUtil.getBytes(wire));
    }

    /**
     * Every whole record in {@code wire}; bytes of an incomplete last record are counted in
     * {@link #trailingBytes()} instead of failing, for a transport stopped mid-record.
     */
    public static Records parseLeniently(byte[] wire) {
        List<Record> list = new ArrayList<>();
        int offset = 0;
        while (wire.length - offset >= HEADER_LENGTH) {
            int type = wire[offset] & 0xff;
            int version = (wire[offset + 1] & 0xff) << 8 | wire[offset + 2] & 0xff;
            int length = (wire[offset + 3] & 0xff) << 8 | wire[offset + 4] & 0xff;
            if (wire.length - offset - HEADER_LENGTH < length) {
                break;
            }
            list.add(new Record(type, version, length, offset + HEADER_LENGTH));
            offset += HEADER_LENGTH + length;
        }
        return new Records(list, wire.length - offset);
    }

    @Override
    public Record get(int index) {
        return records.get(index);
    }

    @Override
    public int size() {
        return records.size();
    }

    /** The records of {@code type}, in wire order. */
    public Records ofType(int type) {
        List<Record> list = new ArrayList<>();
        for (Record record : records) {
            if (record.type() == type) {
                list.add(record);
            }
        }
        return new Records(list, 0);
    }

    public Records applicationData() {
        return ofType(APPLICATION_DATA);
    }

    public Records alerts() {
        return ofType(ALERT);
    }

    public Records handshake() {
        return ofType(HANDSHAKE);
    }

    /** The fragment lengths, in wire order. */
    public List<Integer> lengths() {
        List<Integer> lengths = new ArrayList<>(records.size());
        for (Record record : records) {
            lengths.add(record.length());
        }
        return lengths;
    }

    /** Sum of fragment lengths. */
    public long totalLength() {
        long total = 0;
        for (Record record : records) {
            total += record.length();
        }
        return total;
    }

    /** Sum of header and fragment lengths: the bytes these records take on the wire. */
    public long wireLength() {
        long total = 0;
        for (Record record : records) {
            total += record.wireLength();
        }
        return total;
    }

    /** Bytes after the last whole record ({@link #parseLeniently} only). */
    public int trailingBytes() {
        return trailingBytes;
    }

    /**
     * One line per run of equal records, e.g.
     * {@code 5 records: 4 x application_data(23) TLSv1.2 16401, application_data(23) TLSv1.2 1017}.
     */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder().append(records.size()).append(records.size() == 1 ? " record" : " records");
        String separator = ": ";
        for (int i = 0; i < records.size(); ) {
            Record first = records.get(i);
            int run = 1;
            while (i + run < records.size() && sameShape(first, records.get(i + run))) {
                run++;
            }
            out.append(separator);
            if (run > 1) {
                out.append(run).append(" x ");
            }
            out.append(first);
            separator = ", ";
            i += run;
        }
        if (trailingBytes != 0) {
            out.append(separator).append(trailingBytes).append(" trailing bytes");
        }
        return out.toString();
    }

    private static boolean sameShape(Record a, Record b) {
        return a.type() == b.type() && a.version() == b.version() && a.length() == b.length();
    }
}
