/**
 * A modular application that uses sslwrite by its module name. The build compiles it against the
 * handler jar and runs it on the module path (see ModulePathIT in the handler's tests).
 */
module io.sslwrite.jpmsconsumer {
    requires io.sslwrite;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.transport;

    // io.sslwrite is an automatic module, which cannot declare what it needs: the application names
    // the modules sslwrite uses so that they are resolved. Without them, SslWriteContext fails with
    // NoClassDefFoundError (io.netty.handler.ssl.ClientAuth, org.bouncycastle.openssl.PEMParser).
    requires io.netty.handler;
    requires org.bouncycastle.tls;
    requires org.bouncycastle.pkix;
}
