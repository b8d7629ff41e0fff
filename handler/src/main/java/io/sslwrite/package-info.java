/**
 * sslwrite: the TLS write path for Netty on BouncyCastle bctls, with the semantics of OpenSSL's
 * {@code SSL_write(3)}. Build an {@link io.sslwrite.SslWriteContext} once with
 * {@link io.sslwrite.SslWriteContext#forServer(java.io.File, java.io.File)} or
 * {@link io.sslwrite.SslWriteContext#forClient()}, and add one {@link io.sslwrite.SslWriteHandler} per
 * channel from {@link io.sslwrite.SslWriteContext#newHandler(io.netty.buffer.ByteBufAllocator)};
 * {@link io.sslwrite.SslWriteOption} holds the options.
 */
package io.sslwrite;
