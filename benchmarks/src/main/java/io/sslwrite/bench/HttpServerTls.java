package io.sslwrite.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.sslwrite.SslWriteContext;
import io.sslwrite.SslWriteProtocolNegotiationHandler;

import javax.net.ssl.SSLException;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The TLS side of {@link RealClientServer}: one contestant's server, offering {@code h2} and {@code http/1.1} by
 * ALPN, and the handler that sets up the pipeline for the protocol it chose. Everything the engines would
 * otherwise do differently is pinned:
 *
 * <ul>
 *   <li>TLS 1.3 only, {@value Tls#CIPHER_SUITE}, x25519, the EC P-256 certificate of {@link BenchPki}. BoringSSL
 *       takes no TLS 1.3 suite list and follows the client's order, so the clients are pinned as well (see
 *       {@link RealClientBenchmark}: {@code --tls13-ciphers} for h2load, an OpenSSL configuration file for
 *       wrk, which has no option of its own).</li>
 *   <li>No resumption on any engine: bctls 1.84 sends no TLS 1.3 NewSessionTicket; Netty's OpenSSL contexts
 *       issue none when the JVM runs with {@code -Djdk.tls.server.enableSessionTicketExtension=false} (Netty
 *       reads SunJSSE's property for its own default, which is on), as the benchmark's servers do; SunJSSE sends none when
 *       the server's session timeout exceeds a ticket's longest lifetime (7 days, RFC 8446 §4.6.1), which is
 *       set here. {@link RealClientBenchmark} checks, before it measures, that a second connection offering
 *       the first's session is not resumed.</li>
 * </ul>
 */
final class HttpServerTls {

    static final String[] PROTOCOLS = {ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1};

    /** One second more than the longest ticket lifetime: SunJSSE then issues no TLS 1.3 ticket. */
    private static final long NO_TICKET_SESSION_TIMEOUT_SECONDS = 7 * 24 * 3600 + 1;

    private final SslWriteContext sslwrite;
    private final SslContext netty;

    private HttpServerTls(SslWriteContext sslwrite, SslContext netty) {
        this.sslwrite = sslwrite;
        this.netty = netty;
    }

    static HttpServerTls create(Contestant contestant) throws SSLException {
        String reason = Tls.knownUnsupported(contestant, Tls.X25519);
        if (reason != null) {
            throw new IllegalArgumentException(contestant + ": " + reason);
        }
        BenchPki pki = BenchPki.get();
        if (contestant == Contestant.SSLWRITE) {
            return new HttpServerTls(SslWriteContext.forServer(pki.serverKey(), pki.serverChain())
                    .protocols(Tls.PROTOCOL).cipherSuites(Tls.CIPHER_SUITE).namedGroups(Tls.X25519)
                    .applicationProtocols(PROTOCOLS)
                    .build(), null);
        }
        SslContextBuilder b = contestant == Contestant.NETTY_BCJSSE
                ? SslContextBuilder.forServer(Tls.bcjsseKeyManagerFactory(pki))
                : SslContextBuilder.forServer(pki.serverKey(), pki.serverChain());
        b.protocols(Tls.PROTOCOL).ciphers(List.of(Tls.CIPHER_SUITE))
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, PROTOCOLS));
        switch (contestant) {
            case NETTY_JDK:
                b.sslProvider(SslProvider.JDK).sessionTimeout(NO_TICKET_SESSION_TIMEOUT_SECONDS);
                break;
            case NETTY_BCJSSE:
                b.sslProvider(SslProvider.JDK).sslContextProvider(Tls.Bcjsse.PROVIDER).secureRandom(new SecureRandom());
                break;
            case NETTY_OPENSSL:
                b.sslProvider(SslProvider.OPENSSL).option(OpenSslContextOption.GROUPS, new String[] {Tls.X25519});
                break;
            default:
                throw new AssertionError(contestant);
        }
        return new HttpServerTls(null, b.build());
    }

    ChannelHandler newHandler(ByteBufAllocator alloc) {
        return sslwrite != null ? sslwrite.newHandler(alloc) : netty.newHandler(alloc);
    }

    /**
     * The handler that calls {@code configure} with the protocol ALPN chose ({@code http/1.1} when none), once
     * the handshake is done, then removes itself: sslwrite's own, or Netty's for {@code SslHandler}.
     */
    ChannelInboundHandler newNegotiator(BiConsumer<ChannelHandlerContext, String> configure) {
        if (sslwrite != null) {
            return new SslWriteProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                @Override
                protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                    configure.accept(ctx, protocol);
                }
            };
        }
        return new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                configure.accept(ctx, protocol);
            }
        };
    }
}
