package io.sslwrite;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.ClientAuth;
import org.bouncycastle.tls.TlsPeer;

import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.io.File;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Map;

/**
 * SKELETON: public signatures of DESIGN §3; bodies are being written.
 */
public final class SslWriteContext {

    public static Builder forServer(File certChainPem, File keyPem) { throw new UnsupportedOperationException(); }
    public static Builder forServer(Path certChainPem, Path keyPem) { throw new UnsupportedOperationException(); }
    public static Builder forServer(File certChainPem, File keyPem, String keyPassword) { throw new UnsupportedOperationException(); }
    public static Builder forServer(PrivateKey key, X509Certificate... certChain) { throw new UnsupportedOperationException(); }
    public static Builder forClient() { throw new UnsupportedOperationException(); }

    /** A handler for a server, or for a client that sends no SNI and verifies no host name. */
    public SslWriteHandler newHandler(ByteBufAllocator alloc) { return new SslWriteHandler(this, alloc, null, -1); }

    /** A client handler that sends SNI {@code peerHost} and verifies the server's certificate for it (RFC 6125). */
    public SslWriteHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort) {
        return new SslWriteHandler(this, alloc, peerHost, peerPort);
    }

    // ---- package-private contract used by SslWriteHandler ----

    /** {@code true} for {@link #forClient()}. */
    boolean isClient() { throw new UnsupportedOperationException(); }

    /**
     * A new bctls peer for one connection: a {@code TlsClient} for a client context (SNI and host-name
     * verification for {@code peerHost} when it is not null), a {@code TlsServer} for a server context.
     * It reports handshake completion and alerts to {@code listener}.
     */
    TlsPeer newPeer(String peerHost, int peerPort, PeerListener listener) { throw new UnsupportedOperationException(); }

    /** The option values set with {@link Builder#option}; the handler applies its defaults for the rest. */
    Map<ChannelOption<?>, Object> options() { throw new UnsupportedOperationException(); }

    public static final class Builder {
        public Builder protocols(String... protocols) { throw new UnsupportedOperationException(); }
        public Builder cipherSuites(String... ianaNames) { throw new UnsupportedOperationException(); }
        public Builder namedGroups(String... groups) { throw new UnsupportedOperationException(); }
        public Builder applicationProtocols(String... protocols) { throw new UnsupportedOperationException(); }
        public Builder clientAuth(ClientAuth clientAuth) { throw new UnsupportedOperationException(); }
        public Builder trustManager(File caPem) { throw new UnsupportedOperationException(); }
        public Builder trustManager(Path caPem) { throw new UnsupportedOperationException(); }
        public Builder trustManager(X509Certificate... cas) { throw new UnsupportedOperationException(); }
        public Builder trustManager(TrustManagerFactory tmf) { throw new UnsupportedOperationException(); }
        public Builder keyManager(File certChainPem, File keyPem) { throw new UnsupportedOperationException(); }
        public Builder keyManager(Path certChainPem, Path keyPem) { throw new UnsupportedOperationException(); }
        public Builder keyManager(File certChainPem, File keyPem, String keyPassword) { throw new UnsupportedOperationException(); }
        public Builder keyManager(PrivateKey key, X509Certificate... certChain) { throw new UnsupportedOperationException(); }
        public <T> Builder option(ChannelOption<T> option, T value) { throw new UnsupportedOperationException(); }
        public SslWriteContext build() throws SSLException { throw new UnsupportedOperationException(); }
    }
}
