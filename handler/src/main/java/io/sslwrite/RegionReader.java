package io.sslwrite;

import io.netty.channel.FileRegion;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Pulls plaintext out of a {@link FileRegion} into an array, lazily, record by record (DESIGN §4.9):
 * {@code FileRegion.transferTo} is the only way to read any region, so this is a
 * {@link WritableByteChannel} whose window is the part of the scratch array the next record needs.
 * A region never costs more memory than that window.
 */
final class RegionReader implements WritableByteChannel {
    private ByteBuffer window;

    /**
     * Reads exactly {@code n} bytes of {@code region}, from its {@code transferred()} position on,
     * into {@code dst[off..off+n)}.
     *
     * @throws IOException if the region fails or ends before {@code n} bytes, with a message that says
     *                     how far it got
     */
    void read(FileRegion region, byte[] dst, int off, int n) throws IOException {
        window = ByteBuffer.wrap(dst, off, n);
        try {
            while (window.hasRemaining()) {
                long before = window.remaining();
                long transferred = region.transferTo(this, region.transferred());
                if (transferred <= 0 && window.remaining() == before) {
                    throw new IOException("FileRegion ended after " + region.transferred() + " of its "
                            + region.count() + " bytes: the file is shorter than the region says");
                }
            }
        } finally {
            window = null;
        }
    }

    @Override
    public int write(ByteBuffer src) {
        int n = Math.min(src.remaining(), window.remaining());
        if (n == 0) {
            return 0;
        }
        int limit = src.limit();
        src.limit(src.position() + n);
        window.put(src);
        src.limit(limit);
        return n;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
