package io.sslwrite.examples;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.function.Consumer;

/**
 * One line per failed connection, with the peer's address and the alert or cause, and the channel
 * closed: the habit a server needs. Without it, a failed handshake (a scanner, a client that does not
 * trust the certificate, a fuzzer) reaches Netty's tail handler, which logs a warning and a stack trace
 * for each.
 *
 * <p>Put it right after the {@code SslWriteHandler}. What reaches it is what the handler reports through
 * {@code exceptionCaught}, at most once per connection: a fatal alert sent or received, or an I/O
 * failure of the transport while the connection was open. A clean close, a close_notify, an EOF
 * without close_notify and a connection that closes before saying anything reach it not at all (they
 * are events and futures; see the README's "Which endings reach exceptionCaught").
 */
@ChannelHandler.Sharable
final class ConnectionFailureLog extends ChannelInboundHandlerAdapter {

    private final String server;
    private final Consumer<String> log;

    /**
     * @param server the name the lines start with
     * @param log where each line goes
     */
    ConnectionFailureLog(String server, Consumer<String> log) {
        this.server = server;
        this.log = log;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.accept(server + ": connection from " + ctx.channel().remoteAddress() + " failed: "
                + (cause.getMessage() != null ? cause.getMessage() : cause.toString()));
        ctx.close();
    }
}
