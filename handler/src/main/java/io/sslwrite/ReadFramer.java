package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;

/**
 * Frames inbound bytes into whole TLS records (RFC 8446 §5.1: a 5-byte header whose last two bytes are
 * the fragment length) and hands each one, alone, to the consumer from one reused array. bctls's
 * {@code offerInput} decrypts a lone whole record in place ({@code RecordStream.readFullRecord});
 * given anything else it copies the bytes into its own queue and allocates per record.
 *
 * <p>The array records are offered from belongs to the event loop ({@link ScratchArray}), not to the
 * connection: it is needed only while a record is offered, bctls copies what it keeps of it, and an
 * idle connection holds none. A record split across reads is kept in a cumulation buffer until it is
 * whole; at most one record plus the current read is ever held. A header that no legal record has (too long, an unknown
 * content type, a version that is not 3.x) is passed on as the 5-byte header alone, so that bctls
 * raises its own alert at once rather than this class waiting for, or buffering, what it announces.
 */
final class ReadFramer {
    static final int HEADER = 5;
    /** RFC 5246 §6.2.3: TLSCiphertext.length is at most 2^14 + 2048. */
    static final int MAX_RECORD = HEADER + (1 << 14) + 2048;

    /** Receives one whole record at a time. */
    interface RecordSink {
        /** @return false to stop framing (the connection failed or closed) */
        boolean record(byte[] record, int length) throws IOException;
    }

    /** One array per event loop, each record copied into it whole and offered from it. */
    private static final ScratchArray RECORDS = new ScratchArray(MAX_RECORD);

    private ByteBuf cumulation;

    /**
     * Offers every whole record of the held bytes followed by {@code in} to {@code sink}, and keeps
     * an incomplete tail. Does not release {@code in}.
     */
    void frame(ByteBuf in, ByteBufAllocator alloc, RecordSink sink) throws IOException {
        byte[] record = RECORDS.borrow();
        try {
            frame(in, alloc, sink, record);
        } finally {
            RECORDS.giveBack(record);
        }
    }

    private void frame(ByteBuf in, ByteBufAllocator alloc, RecordSink sink, byte[] record) throws IOException {
        if (cumulation != null) {
            // Complete the held record from the front of this read, and offer it first.
            int held = cumulation.readableBytes();
            if (held < HEADER) {
                cumulation.writeBytes(in, Math.min(HEADER - held, in.readableBytes()));
                if (cumulation.readableBytes() < HEADER) {
                    return;
                }
            }
            int total = recordSize(cumulation);
            cumulation.writeBytes(in, Math.min(total - cumulation.readableBytes(), in.readableBytes()));
            if (cumulation.readableBytes() < total) {
                return;
            }
            cumulation.readBytes(record, 0, total);
            release();
            if (!sink.record(record, total)) {
                in.skipBytes(in.readableBytes());
                return;
            }
        }
        while (in.readableBytes() >= HEADER) {
            int total = recordSize(in);
            if (in.readableBytes() < total) {
                break;
            }
            in.readBytes(record, 0, total);
            if (!sink.record(record, total)) {
                in.skipBytes(in.readableBytes());
                return;
            }
        }
        hold(in, alloc);
    }

    /** Keeps the incomplete record at the end of {@code in} until the rest of it arrives. */
    private void hold(ByteBuf in, ByteBufAllocator alloc) {
        if (in.isReadable()) {
            cumulation = alloc.heapBuffer(HEADER + 1024, MAX_RECORD);
            cumulation.writeBytes(in);
        }
    }

    /**
     * Length of the record whose header starts at the reader index. A header that cannot start a TLS
     * record counts as a 5-byte record of its own, which bctls rejects with a fatal alert at once
     * rather than after the bytes it announces: one that announces more than {@link #MAX_RECORD}, or
     * whose content type is not one of RFC 8446 §5.1's (20..24) or whose version does not start with
     * 3 (a plain-text "GET / HTTP/1.1" reads as a 8239-byte record of type 0x47).
     */
    private static int recordSize(ByteBuf buf) {
        int start = buf.readerIndex();
        int type = buf.getUnsignedByte(start);
        int major = buf.getUnsignedByte(start + 1);
        int total = HEADER + buf.getUnsignedShort(start + 3);
        if (total > MAX_RECORD || type < 20 || type > 24 || major != 3) {
            return HEADER;
        }
        return total;
    }

    void release() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }
}
