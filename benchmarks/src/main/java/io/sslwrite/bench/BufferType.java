package io.sslwrite.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.concurrent.ThreadLocalRandom;

/** Where the application's plaintext lives: a handler may read a heap array directly but must copy a direct buffer. */
public enum BufferType {
    HEAP,
    DIRECT,
    /**
     * An HTTP/2 DATA frame, as Netty's codec writes one: a 9-byte frame header in a pooled direct buffer
     * ({@link #frameHeader}), then the payload, a heap buffer, in a write of its own.
     */
    HTTP2_FRAMES;

    /**
     * One message of random bytes (random so that nothing on the path could profit from repetition),
     * made once per trial and written many times through {@link ByteBuf#retainedDuplicate()}.
     */
    ByteBuf newMessage(int size) {
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        ByteBuf buf = this == DIRECT ? Unpooled.directBuffer(size) : Unpooled.buffer(size);
        return buf.writeBytes(bytes);
    }

    /** The frame header written before each message, or null if this type writes none. */
    ByteBuf frameHeader(int payloadSize) {
        if (this != HTTP2_FRAMES) {
            return null;
        }
        // RFC 9113 §4.1: length (24 bits), type DATA (0), flags, stream identifier 1.
        return Unpooled.directBuffer(9).writeMedium(payloadSize).writeByte(0).writeByte(0).writeInt(1);
    }
}
