package io.sslwrite.testing;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded mutations of a stream of TLS records, for feeding a handler what a broken or hostile peer
 * sends. The stream is a list of whole records (header and fragment, as {@link #split(byte[])} gives
 * them); a mutation picks one record by index and returns a new list, the input left untouched, with
 * a one-line description that names the kind, the record and the numbers used, so that a failing
 * case can be read from its report.
 *
 * <pre>{@code
 * Random random = new Random(seed);
 * RecordMutator.Mutation m = RecordMutator.mutate(records, 3, RecordMutator.Kind.LENGTH_EDIT, random);
 * channel.writeInbound(Unpooled.wrappedBuffer(RecordMutator.join(m.records())));
 * }</pre>
 *
 * <p>The same list, index, kind and {@code Random} state always give the same mutation.
 */
public final class RecordMutator {

    /** RFC 8446 §5.2: the largest TLS 1.3 ciphertext fragment, 2^14 + 256. */
    public static final int TLS13_MAX_CIPHERTEXT = (1 << 14) + 256;
    /** RFC 5246 §6.2.3: the largest TLS 1.2 ciphertext fragment, 2^14 + 2048. */
    public static final int TLS12_MAX_CIPHERTEXT = (1 << 14) + 2048;

    /** What a mutation does to the stream. */
    public enum Kind {
        /** One to eight bits flipped anywhere in the record, header included. */
        BIT_FLIP,
        /** The stream ends inside or right before the record: nothing after the cut arrives. */
        TRUNCATE,
        /** The header's length field changed (the bytes are not): 0, off by one, or any 16-bit value. */
        LENGTH_EDIT,
        /** The header's content type changed to another legal type or to any byte. */
        CONTENT_TYPE,
        /** The header's version changed: another 3.x, or any two bytes. */
        VERSION_EDIT,
        /** The record sent twice in a row. */
        DUPLICATE,
        /** The record swapped with another one. */
        REORDER,
        /** The record left out. */
        DROP,
        /** A record with a fragment longer than 2^14 + 256 inserted before the record. */
        OVERSIZE,
        /** Up to a few thousand zero-length records of one type inserted before the record. */
        ZERO_LENGTH_FLOOD,
        /** A record of random type, version, length and bytes inserted before the record. */
        GARBAGE_RECORD,
        /** The record's fragment cut short or grown by random bytes, its length field following. */
        RESIZE
    }

    /** A mutated stream: the records to send, and what was done. */
    public record Mutation(Kind kind, String description, List<byte[]> records) {
    }

    private static final int[] LEGAL_TYPES = {20, 21, 22, 23, 24};

    private RecordMutator() {
    }

    /**
     * The whole records of {@code wire}, each a copy with its header; bytes after the last whole record,
     * if any, become one last element of their own.
     */
    public static List<byte[]> split(byte[] wire) {
        List<byte[]> records = new ArrayList<>();
        int offset = 0;
        while (wire.length - offset >= Records.HEADER_LENGTH) {
            int length = (wire[offset + 3] & 0xff) << 8 | wire[offset + 4] & 0xff;
            int end = offset + Records.HEADER_LENGTH + length;
            if (end > wire.length) {
                break;
            }
            records.add(Arrays.copyOfRange(wire, offset, end));
            offset = end;
        }
        if (offset < wire.length) {
            records.add(Arrays.copyOfRange(wire, offset, wire.length));
        }
        return records;
    }

    /** The records one after the other, as they go on the wire. */
    public static byte[] join(List<byte[]> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] record : records) {
            out.writeBytes(record);
        }
        return out.toByteArray();
    }

    /** A random kind, then {@link #mutate(List, int, Kind, Random)}. */
    public static Mutation mutate(List<byte[]> records, int index, Random random) {
        Kind[] kinds = Kind.values();
        return mutate(records, index, kinds[random.nextInt(kinds.length)], random);
    }

    /**
     * Applies {@code kind} to record {@code index} of {@code records} (0 <= index < size; for an
     * insertion, index == size inserts at the end).
     */
    public static Mutation mutate(List<byte[]> records, int index, Kind kind, Random random) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("no records to mutate");
        }
        List<byte[]> out = new ArrayList<>(records.size() + 1);
        for (byte[] record : records) {
            out.add(record.clone());
        }
        int at = Math.min(index, out.size() - 1);
        byte[] record = out.get(at);
        String where = "record " + at + " (" + describe(record) + ")";
        return switch (kind) {
            case BIT_FLIP -> {
                int flips = 1 + random.nextInt(8);
                StringBuilder bits = new StringBuilder();
                for (int i = 0; i < flips; i++) {
                    int bit = random.nextInt(record.length * 8);
                    record[bit / 8] ^= (byte) (1 << (bit % 8));
                    bits.append(i == 0 ? "" : ",").append(bit);
                }
                yield new Mutation(kind, "flip bits " + bits + " of " + where, out);
            }
            case TRUNCATE -> {
                int keep = random.nextInt(record.length);
                List<byte[]> cut = new ArrayList<>(out.subList(0, at));
                if (keep > 0) {
                    cut.add(Arrays.copyOf(record, keep));
                }
                yield new Mutation(kind, "end the stream after " + keep + " bytes of " + where, cut);
            }
            case LENGTH_EDIT -> {
                int length = fragmentLength(record);
                int edited = switch (random.nextInt(6)) {
                    case 0 -> 0;
                    case 1 -> length + 1;
                    case 2 -> Math.max(0, length - 1);
                    case 3 -> 0xffff;
                    case 4 -> TLS13_MAX_CIPHERTEXT + 1 + random.nextInt(TLS12_MAX_CIPHERTEXT - TLS13_MAX_CIPHERTEXT);
                    default -> random.nextInt(0x10000);
                };
                setLength(record, edited);
                yield new Mutation(kind, "length " + length + " -> " + edited + " in the header of " + where, out);
            }
            case CONTENT_TYPE -> {
                int type = random.nextBoolean() ? LEGAL_TYPES[random.nextInt(LEGAL_TYPES.length)] : random.nextInt(256);
                int was = record[0] & 0xff;
                record[0] = (byte) type;
                yield new Mutation(kind, "content type " + was + " -> " + type + " in " + where, out);
            }
            case VERSION_EDIT -> {
                int version = random.nextBoolean() ? 0x0300 | random.nextInt(6) : random.nextInt(0x10000);
                record[1] = (byte) (version >>> 8);
                record[2] = (byte) version;
                yield new Mutation(kind, String.format("version -> 0x%04x in %s", version, where), out);
            }
            case DUPLICATE -> {
                out.add(at, record.clone());
                yield new Mutation(kind, "send " + where + " twice", out);
            }
            case REORDER -> {
                if (out.size() < 2) {
                    out.add(record.clone());
                    yield new Mutation(kind, "send " + where + " twice (nothing to swap it with)", out);
                }
                int other;
                do {
                    other = random.nextInt(out.size());
                } while (other == at);
                out.set(at, out.get(other));
                out.set(other, record);
                yield new Mutation(kind, "swap " + where + " with record " + other, out);
            }
            case DROP -> {
                out.remove(at);
                yield new Mutation(kind, "leave out " + where, out);
            }
            case OVERSIZE -> {
                int length = random.nextBoolean()
                        ? TLS13_MAX_CIPHERTEXT + 1 + random.nextInt(TLS12_MAX_CIPHERTEXT - TLS13_MAX_CIPHERTEXT)
                        : TLS12_MAX_CIPHERTEXT + 1 + random.nextInt(0xffff - TLS12_MAX_CIPHERTEXT);
                int type = LEGAL_TYPES[random.nextInt(4)];
                byte[] big = newRecord(type, versionOf(record), length, random);
                out.add(at, big);
                yield new Mutation(kind, "insert a " + Records.Record.typeName(type) + " record of " + length
                        + " bytes before " + where, out);
            }
            case ZERO_LENGTH_FLOOD -> {
                int count = 1 + random.nextInt(random.nextBoolean() ? 40 : 4000);
                int type = LEGAL_TYPES[random.nextInt(4)];
                List<byte[]> flood = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    flood.add(newRecord(type, versionOf(record), 0, random));
                }
                out.addAll(at, flood);
                yield new Mutation(kind, count + " zero-length " + Records.Record.typeName(type)
                        + " records before " + where, out);
            }
            case GARBAGE_RECORD -> {
                int type = random.nextBoolean() ? LEGAL_TYPES[random.nextInt(LEGAL_TYPES.length)] : random.nextInt(256);
                int length = random.nextInt(random.nextBoolean() ? 64 : 20_000);
                byte[] garbage = newRecord(type, random.nextBoolean() ? versionOf(record) : random.nextInt(0x10000),
                        length, random);
                out.add(at, garbage);
                yield new Mutation(kind, "insert garbage (" + describe(garbage) + ") before " + where, out);
            }
            case RESIZE -> {
                int length = fragmentLength(record);
                int delta = random.nextBoolean() ? -(1 + random.nextInt(Math.max(1, length))) : 1 + random.nextInt(300);
                int newLength = Math.max(0, length + delta);
                byte[] resized = Arrays.copyOf(record, Records.HEADER_LENGTH + newLength);
                for (int i = record.length; i < resized.length; i++) {
                    resized[i] = (byte) random.nextInt(256);
                }
                setLength(resized, newLength);
                out.set(at, resized);
                yield new Mutation(kind, "fragment " + length + " -> " + newLength + " bytes in " + where, out);
            }
        };
    }

    /** "handshake(22) 0x0303 512 bytes", or the bytes count for a piece shorter than a header. */
    public static String describe(byte[] record) {
        if (record.length < Records.HEADER_LENGTH) {
            return record.length + " bytes, less than a header";
        }
        int type = record[0] & 0xff;
        return String.format("%s(%d) 0x%04x %d bytes", Records.Record.typeName(type), type, versionOf(record),
                fragmentLength(record));
    }

    private static byte[] newRecord(int type, int version, int length, Random random) {
        byte[] record = new byte[Records.HEADER_LENGTH + length];
        record[0] = (byte) type;
        record[1] = (byte) (version >>> 8);
        record[2] = (byte) version;
        setLength(record, length);
        for (int i = Records.HEADER_LENGTH; i < record.length; i++) {
            record[i] = (byte) random.nextInt(256);
        }
        return record;
    }

    private static int versionOf(byte[] record) {
        return record.length < 3 ? 0x0303 : (record[1] & 0xff) << 8 | record[2] & 0xff;
    }

    private static int fragmentLength(byte[] record) {
        return record.length < Records.HEADER_LENGTH ? 0 : (record[3] & 0xff) << 8 | record[4] & 0xff;
    }

    private static void setLength(byte[] record, int length) {
        if (record.length >= Records.HEADER_LENGTH) {
            record[3] = (byte) (length >>> 8);
            record[4] = (byte) length;
        }
    }
}
