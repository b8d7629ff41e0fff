package io.sslwrite.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.concurrent.ThreadLocalRandom;

/** Where the application's plaintext lives: a handler may read a heap array directly but must copy a direct buffer. */
public enum BufferType {
    HEAP,
    DIRECT;

    /**
     * One message of random bytes (random so that nothing on the path could profit from repetition),
     * made once per trial and written many times through {@link ByteBuf#retainedDuplicate()}.
     */
    ByteBuf newMessage(int size) {
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        ByteBuf buf = this == HEAP ? Unpooled.buffer(size) : Unpooled.directBuffer(size);
        return buf.writeBytes(bytes);
    }
}
