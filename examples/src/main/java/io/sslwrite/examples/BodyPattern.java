package io.sslwrite.examples;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The body of {@code GET /bytes/N}: byte {@code i} (counting from 0) is the XOR of the eight bytes of the
 * 64-bit number {@code i}. So bytes 0..255 are 0..255, byte 256 is 1, byte 65536 is 1, and so on.
 *
 * <p>Why this function and not {@code i & 0xFF}: a pattern that repeats every 256 bytes would hide a
 * record sent twice or two records swapped, since every 16 KiB record would look alike. Here the value of
 * each record depends on where it sits in the stream, yet a client can check any byte on its own.
 *
 * <p>Why it is cheap to make: for a chunk that starts at a multiple of 65536, byte {@code base + m} is
 * {@code at(base) ^ at(m)}, so every chunk is one fixed 64 KiB table XORed with one byte, eight bytes at a time.
 */
public final class BodyPattern {

    /** Bytes per generated chunk; {@link #write} wants chunks that start at a multiple of this. */
    public static final int CHUNK_SIZE = 64 * 1024;

    /** Bytes 0..65535 of the pattern, eight to a long, big-endian as {@link ByteBuf#writeLong} writes them. */
    private static final long[] FIRST_CHUNK = new long[CHUNK_SIZE / Long.BYTES];

    static {
        for (int word = 0; word < FIRST_CHUNK.length; word++) {
            long packed = 0;
            for (int b = 0; b < Long.BYTES; b++) {
                packed = (packed << 8) | (at((long) word * Long.BYTES + b) & 0xFF);
            }
            FIRST_CHUNK[word] = packed;
        }
    }

    private BodyPattern() { }

    /** Byte {@code i} of every {@code /bytes/N} body with {@code N > i}. */
    public static byte at(long i) {
        long x = i ^ (i >>> 32);
        x ^= x >>> 16;
        x ^= x >>> 8;
        return (byte) x;
    }

    /**
     * Appends bytes {@code offset .. offset + length - 1} of the pattern to {@code out}.
     *
     * @param offset a multiple of {@link #CHUNK_SIZE}
     * @param length 0..{@link #CHUNK_SIZE}
     */
    public static void write(ByteBuf out, long offset, int length) {
        if (offset < 0 || offset % CHUNK_SIZE != 0) {
            throw new IllegalArgumentException("offset: " + offset + " (expected: a multiple of " + CHUNK_SIZE + ")");
        }
        if (length < 0 || length > CHUNK_SIZE) {
            throw new IllegalArgumentException("length: " + length + " (expected: 0.." + CHUNK_SIZE + ")");
        }
        long mask = (at(offset) & 0xFFL) * 0x0101_0101_0101_0101L;
        int words = length / Long.BYTES;
        out.ensureWritable(length);
        for (int word = 0; word < words; word++) {
            out.writeLong(FIRST_CHUNK[word] ^ mask);
        }
        for (int m = words * Long.BYTES; m < length; m++) {
            out.writeByte(at(m) ^ (int) mask);
        }
    }

    /** SHA-256 of the first {@code n} bytes of the pattern, as lower-case hex: what {@code sha256sum} prints. */
    public static String sha256Hex(long n) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        ByteBuf chunk = Unpooled.buffer(CHUNK_SIZE);
        try {
            for (long offset = 0; offset < n; offset += CHUNK_SIZE) {
                chunk.clear();
                write(chunk, offset, (int) Math.min(CHUNK_SIZE, n - offset));
                sha256.update(chunk.array(), chunk.arrayOffset(), chunk.readableBytes());
            }
        } finally {
            chunk.release();
        }
        return HexFormat.of().formatHex(sha256.digest());
    }
}
