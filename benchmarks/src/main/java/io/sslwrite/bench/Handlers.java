package io.sslwrite.bench;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.sslwrite.SslWriteHandler;

/**
 * What the benchmarks ask of a contestant's handler, whichever it is: sslwrite's {@link SslWriteHandler}
 * or Netty's {@link SslHandler}. Shared by the default and the FIPS benchmarks, which differ only in Tls.
 */
final class Handlers {

    private Handlers() { }

    static Future<Channel> handshakeFuture(ChannelHandler handler) {
        if (handler instanceof SslWriteHandler) {
            return ((SslWriteHandler) handler).handshakeFuture();
        }
        return ((SslHandler) handler).handshakeFuture();
    }

    /** The client's session ID after a TLS 1.2 handshake: equal IDs on two connections mean the second resumed. */
    static byte[] sessionId(ChannelHandler handler) {
        if (handler instanceof SslWriteHandler) {
            return new byte[0];     // sslwrite says whether it resumed: session().isResumed()
        }
        return ((SslHandler) handler).engine().getSession().getId();
    }

    /** The group the handshake settled on, where the contestant can say; {@code null} where it cannot. */
    static String negotiatedGroup(ChannelHandler handler) {
        if (handler instanceof SslWriteHandler) {
            return ((SslWriteHandler) handler).session().namedGroup();
        }
        return null;
    }
}
