package io.sslwrite;

import io.netty.channel.ChannelOption;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN §3: the options API. */
class OptionsApiTest {

    @Test
    void optionsAreChannelOptionsFoundByName() {
        assertSame(SslWriteOption.PARTIAL_WRITE, ChannelOption.valueOf(SslWriteOption.class, "PARTIAL_WRITE"));
        assertSame(SslWriteOption.MAX_RECORD_SIZE, ChannelOption.valueOf(SslWriteOption.class, "MAX_RECORD_SIZE"));
    }

    @Test
    void handlersStartWithTheDocumentedDefaults() {
        try (TlsPair pair = TlsPair.create()) {
            SslWriteHandler client = pair.clientHandler();
            SslWriteHandler server = pair.serverHandler();
            assertEquals(false, client.getOption(SslWriteOption.PARTIAL_WRITE));
            assertEquals(true, client.getOption(SslWriteOption.AUTO_RETRY));
            assertEquals(16384, client.getOption(SslWriteOption.MAX_RECORD_SIZE));
            assertEquals(Integer.MAX_VALUE, client.getOption(SslWriteOption.MAX_PENDING_BYTES));
            assertEquals(Renegotiation.ACCEPT, client.getOption(SslWriteOption.RENEGOTIATION));
            assertEquals(Renegotiation.DENY, server.getOption(SslWriteOption.RENEGOTIATION));
            assertEquals(10_000L, client.getOption(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS));
            assertEquals(3_000L, client.getOption(SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS));
            assertEquals(false, client.getOption(SslWriteOption.DYNAMIC_RECORD_SIZING));
            assertEquals(131_072, client.getOption(SslWriteOption.DYNAMIC_RECORD_THRESHOLD));
            assertEquals(1_000L, client.getOption(SslWriteOption.DYNAMIC_RECORD_IDLE_MILLIS));
        }
    }

    @Test
    void theBuildersOptionsReachEveryHandlerAndSetOptionChangesOne() {
        try (TlsPair pair = TlsPair.builder().client(b -> b.option(SslWriteOption.PARTIAL_WRITE, true)).build()) {
            assertEquals(true, pair.clientHandler().getOption(SslWriteOption.PARTIAL_WRITE));
            assertTrue(pair.clientHandler().setOption(SslWriteOption.MAX_PENDING_BYTES, 4096));
            assertEquals(4096, pair.clientHandler().getOption(SslWriteOption.MAX_PENDING_BYTES));
        }
    }

    @Test
    void anUnknownOptionIsRefusedLikeChannelConfigDoes() {
        try (TlsPair pair = TlsPair.create()) {
            assertFalse(pair.clientHandler().setOption(ChannelOption.SO_KEEPALIVE, true));
            assertNull(pair.clientHandler().getOption(ChannelOption.SO_KEEPALIVE));
        }
    }

    @Test
    void anOutOfRangeValueIsRefusedInNettysWording() {
        try (TlsPair pair = TlsPair.create()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pair.clientHandler().setOption(SslWriteOption.MAX_RECORD_SIZE, 100));
            assertEquals("MAX_RECORD_SIZE: 100 (expected: 512..16384)", e.getMessage());
            assertEquals(16384, pair.clientHandler().getOption(SslWriteOption.MAX_RECORD_SIZE));
        }
    }
}
