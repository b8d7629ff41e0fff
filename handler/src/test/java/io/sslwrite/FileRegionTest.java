package io.sslwrite;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import io.sslwrite.testing.StallingTransport;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN §4.9: FileRegion bodies, read lazily under back-pressure. */
class FileRegionTest {

    @TempDir
    Path dir;

    private File file(int length) throws IOException {
        Path path = dir.resolve("body-" + length);
        Files.write(path, TlsPair.pattern(length));
        return path.toFile();
    }

    @Test
    void aDefaultFileRegionArrivesByteExactInFullRecordsAndIsReleased() throws Exception {
        try (TlsPair pair = TlsPair.handshaken()) {
            int length = (1 << 20) + 123;
            DefaultFileRegion region = new DefaultFileRegion(file(length), 0, length);
            List<Long> progress = new ArrayList<>();
            ChannelProgressivePromise promise = pair.client().newProgressivePromise();
            promise.addListener(new ChannelProgressiveFutureListener() {
                @Override
                public void operationProgressed(ChannelProgressiveFuture future, long sent, long total) {
                    assertEquals(length, total);
                    progress.add(sent);
                }

                @Override
                public void operationComplete(ChannelProgressiveFuture future) {
                }
            });
            pair.client().writeAndFlush(region, promise);
            pair.transfer();
            assertTrue(promise.isSuccess(), String.valueOf(promise.cause()));
            assertEquals(0, region.refCnt());
            assertArrayEquals(TlsPair.pattern(length), pair.serverReceived());
            assertEquals(65, pair.clientRecords().applicationData().size());
            assertEquals(65, progress.size(), "progress record by record");
            assertEquals((long) length, progress.get(progress.size() - 1));
        }
    }

    @Test
    void aRegionIsReadOnlyAsFarAsTheTransportTakesIt() throws Exception {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport)) {
            int length = 8 << 20;
            DefaultFileRegion region = new DefaultFileRegion(file(length), 0, length);
            ChannelFuture write = pair.client().writeAndFlush(region);
            while (!write.isDone()) {
                assertTrue(region.transferred() - transport.releasedBytes() <= 2 * 65536,
                        "read " + region.transferred() + ", sent " + transport.releasedBytes());
                assertEquals(0, pair.clientHandler().pendingOutboundBytes(), "a file is not memory");
                transport.releaseAll();
                pair.client().runPendingTasks();
            }
            assertTrue(write.isSuccess());
            pair.transfer();
            assertArrayEquals(TlsPair.pattern(length), pair.serverReceived());
        }
    }

    @Test
    void withPartialWriteABackPressuredRegionEndsWithWholeRecordsAndTransferredSaysHowMany() throws Exception {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport, c -> c.option(SslWriteOption.PARTIAL_WRITE, true), s -> { })) {
            int length = 1 << 20;
            DefaultFileRegion region = new DefaultFileRegion(file(length), 0, length);
            region.retain();
            ChannelFuture write = pair.client().writeAndFlush(region);
            transport.releaseAll();
            pair.client().runPendingTasks();
            assertTrue(write.isSuccess());
            assertEquals(65536, region.transferred());
            region.release();
            pair.transfer();
            assertArrayEquals(TlsPair.pattern(65536), pair.serverReceived());
        }
    }

    @Test
    void aRegionThatFailsToReadFailsItsOwnWriteAndTheNextWriteStillGoesOut() {
        try (TlsPair pair = TlsPair.handshaken()) {
            FailingRegion region = new FailingRegion(100_000, 40_000);
            ChannelFuture broken = pair.client().write(region);
            ChannelFuture next = pair.client().writeAndFlush(pair.heapBuffer(5000));
            pair.transfer();
            assertFalse(broken.isSuccess());
            assertTrue(broken.cause().getMessage().startsWith("reading the FileRegion of this write failed after"),
                    broken.cause().getMessage());
            assertTrue(broken.cause().getMessage().contains("disk on fire"), broken.cause().getMessage());
            assertEquals(0, region.refCnt());
            assertTrue(next.isSuccess());
            byte[] received = pair.serverReceived();
            byte[] tail = java.util.Arrays.copyOfRange(received, received.length - 5000, received.length);
            assertArrayEquals(TlsPair.pattern(5000), tail, "the write after the broken one arrives whole");
        }
    }

    @Test
    void aFileShorterThanItsRegionFailsTheWriteWithAMessageThatSaysSo() throws Exception {
        try (TlsPair pair = TlsPair.handshaken()) {
            DefaultFileRegion region = new DefaultFileRegion(file(1000), 0, 5000);
            ChannelFuture write = pair.client().writeAndFlush(region);
            pair.transfer();
            assertFalse(write.isSuccess());
            // DefaultFileRegion checks the file's size itself; the message carries its words.
            assertTrue(write.cause().getMessage().startsWith("reading the FileRegion of this write failed after 0 of"
                    + " 5000 bytes: Underlying file size 1000 smaller"), write.cause().getMessage());
            assertEquals(0, region.refCnt());
        }
    }

    /** A region of pattern bytes whose reads fail once {@code failAt} bytes have been transferred. */
    private static final class FailingRegion extends AbstractReferenceCounted implements FileRegion {
        private final long count;
        private final long failAt;
        private long transferred;

        FailingRegion(long count, long failAt) {
            this.count = count;
            this.failAt = failAt;
        }

        @Override
        public long position() {
            return 0;
        }

        @Override
        @Deprecated
        public long transfered() {
            return transferred;
        }

        @Override
        public long transferred() {
            return transferred;
        }

        @Override
        public long count() {
            return count;
        }

        @Override
        public long transferTo(WritableByteChannel target, long position) throws IOException {
            if (transferred >= failAt) {
                throw new IOException("disk on fire");
            }
            int n = (int) Math.min(4096, Math.min(count, failAt) - position);
            int written = target.write(ByteBuffer.wrap(TlsPair.pattern(position, n)));
            transferred += written;
            return written;
        }

        @Override
        public FileRegion retain() {
            super.retain();
            return this;
        }

        @Override
        public FileRegion retain(int increment) {
            super.retain(increment);
            return this;
        }

        @Override
        public FileRegion touch() {
            return this;
        }

        @Override
        public FileRegion touch(Object hint) {
            return this;
        }

        @Override
        protected void deallocate() {
        }
    }
}
