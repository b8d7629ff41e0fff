package io.sslwrite.examples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.sslwrite.SslWriteContext;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An HTTPS server on Netty's HTTP/1.1 codec over {@link io.sslwrite.SslWriteHandler}: the handler's
 * back-pressure seen from a real client. {@code GET /bytes/N} streams N bytes of {@link BodyPattern}
 * (any N, many GiB included) in constant memory, {@code POST /echo} streams the request body back,
 * {@code GET /files/NAME} sends a file of the {@code --files} directory as a {@code FileRegion}, read by the
 * TLS handler only as fast as the client takes it, {@code GET /metrics} shows the TLS statistics in the
 * Prometheus text format, {@code GET /} says what is there.
 *
 * <pre>
 * java io.sslwrite.examples.HttpsServer [--port 8443] [--bind 127.0.0.1] [--cert chain.pem --key key.pem] [--files DIR]
 *                                      [--ticket-keys FILE[,FILE...]]
 * </pre>
 *
 * Without {@code --cert}/{@code --key} it makes a CA and a certificate for {@code localhost} at start-up
 * and prints a {@code curl --cacert} line that verifies it. With them it watches the two files and reloads
 * them when they change ({@link CertificateWatcher}), printing one line per reload. {@code --ticket-keys}
 * turns on TLS 1.2 session tickets with 80-byte key files, the first issuing, as nginx's
 * {@code ssl_session_ticket_key}: servers given the same files resume each other's sessions. From code: {@link #start(int, SslWriteContext)}
 * on port 0 ({@link #start(InetAddress, int, SslWriteContext, Path)} to serve files), {@link #port()},
 * {@link #close()}.
 */
public final class HttpsServer implements AutoCloseable {

    public static final int DEFAULT_PORT = 8443;

    /** What the demo offers by ALPN (RFC 7301), HTTP/2 first; a context given to {@code start} says its own. */
    private static final String[] ALPN = {"h2", "http/1.1"};
    /** A failed handshake or connection: one line on the console, never a stack trace from Netty's tail. */
    private static final ConnectionFailureLog FAILURE_LOG = new ConnectionFailureLog("sslwrite demo",
            line -> System.err.println(line));

    /** The size the start-up banner suggests downloading: big enough to take many records, quick anywhere. */
    private static final long SUGGESTED_DOWNLOAD = 1 << 20;

    /** What {@code sha256sum} prints for that download; made once, since the home page shows it too. */
    private static final String SUGGESTED_SHA256 = BodyPattern.sha256Hex(SUGGESTED_DOWNLOAD);

    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup ioGroup;
    private final Channel serverChannel;
    private final DemoCertificate demoCertificate;
    private final FileDirectory files;
    private final SslWriteContext tls;
    private final DemoMetrics metrics;
    private final int port;

    private HttpsServer(EventLoopGroup acceptGroup, EventLoopGroup ioGroup, Channel serverChannel,
                        DemoCertificate demoCertificate, FileDirectory files, SslWriteContext tls,
                        DemoMetrics metrics) {
        this.acceptGroup = acceptGroup;
        this.ioGroup = ioGroup;
        this.serverChannel = serverChannel;
        this.demoCertificate = demoCertificate;
        this.files = files;
        this.tls = tls;
        this.metrics = metrics;
        this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /**
     * Starts the server on the loopback address.
     *
     * @param port    0 for any free port ({@link #port()} tells which)
     * @param context the server's TLS configuration, or {@code null} to make a throw-away certificate for
     *                localhost (its CA is then at {@link #caCertificate()})
     */
    public static HttpsServer start(int port, SslWriteContext context) throws Exception {
        return start(InetAddress.getLoopbackAddress(), port, context);
    }

    /** Like {@link #start(int, SslWriteContext)}, on the given local address. */
    public static HttpsServer start(InetAddress bindAddress, int port, SslWriteContext context) throws Exception {
        return start(bindAddress, port, context, null);
    }

    /**
     * Like {@link #start(InetAddress, int, SslWriteContext)}, serving the regular files of {@code files} at
     * {@code /files/NAME}.
     *
     * @param files an existing directory, or {@code null} to serve no files ({@code /files/NAME} is then 404)
     * @throws java.nio.file.NotDirectoryException if {@code files} is not a directory
     * @throws java.nio.file.NoSuchFileException   if it does not exist
     */
    public static HttpsServer start(InetAddress bindAddress, int port, SslWriteContext context, Path files)
            throws Exception {
        return start(bindAddress, port, context, files, null);
    }

    /**
     * Like {@link #start(InetAddress, int, SslWriteContext, Path)}, with the channels' buffers taken from
     * {@code alloc} (null: Netty's default), so that a test can count the memory the server holds.
     */
    static HttpsServer start(InetAddress bindAddress, int port, SslWriteContext context, Path files,
                             ByteBufAllocator alloc) throws Exception {
        FileDirectory fileDirectory = files == null ? null : FileDirectory.of(files);
        DemoCertificate demoCertificate = null;
        if (context == null) {
            demoCertificate = DemoCertificate.create();
            context = SslWriteContext.forServer(demoCertificate.chainPem(), demoCertificate.keyPem())
                    .applicationProtocols(ALPN)
                    .build();
        }
        SslWriteContext tls = context;
        String curlTrust = curlTrust(demoCertificate);
        DemoMetrics metrics = new DemoMetrics(tls);

        EventLoopGroup acceptGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup ioGroup = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(acceptGroup, ioGroup)
                    .channel(NioServerSocketChannel.class)
                    // Responses are written in whole 64 KiB chunks; Nagle would only delay their last segment.
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            int localPort = ch.localAddress().getPort();
                            // HTTP/2 or HTTP/1.1, as ALPN decides once the handshake is done.
                            ch.pipeline().addLast(
                                    tls.newHandler(ch.alloc()),
                                    FAILURE_LOG,
                                    new DemoProtocolNegotiator(homePage(localPort, curlTrust, fileDirectory),
                                            fileDirectory, metrics));
                        }
                    });
            if (alloc != null) {
                bootstrap.childOption(ChannelOption.ALLOCATOR, alloc);
            }
            Channel serverChannel = bootstrap.bind(bindAddress, port).sync().channel();
            return new HttpsServer(acceptGroup, ioGroup, serverChannel, demoCertificate, fileDirectory, tls,
                    metrics);
        } catch (Exception | Error e) {
            metrics.close();
            acceptGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            ioGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            if (demoCertificate != null) {
                demoCertificate.close();
            }
            throw e;
        }
    }

    /** The port the server listens on. */
    public int port() {
        return port;
    }

    /** {@code https://localhost:PORT} followed by {@code path}. */
    public String url(String path) {
        return "https://localhost:" + port + path;
    }

    /** The CA of the certificate made at start-up, or {@code null} if the server was given its own. */
    public Path caCertificate() {
        return demoCertificate == null ? null : demoCertificate.caPem();
    }

    /** Waits until the server is closed, by {@link #close()} or by the JVM's shutdown. */
    public void awaitClose() {
        serverChannel.closeFuture().awaitUninterruptibly();
    }

    /**
     * Stops accepting, closes every connection (each sends its close_notify) and deletes the certificate
     * made at start-up. Returns when the event loops have stopped.
     */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        // No quiet period: nothing new is accepted any more, and tests start and stop servers often.
        acceptGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        ioGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        metrics.close();
        if (demoCertificate != null) {
            demoCertificate.close();
        }
    }

    public static void main(String[] args) throws Exception {
        int port = DEFAULT_PORT;
        InetAddress bindAddress = InetAddress.getLoopbackAddress();
        File cert = null;
        File key = null;
        Path files = null;
        List<Path> ticketKeyFiles = List.of();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                System.out.println(USAGE);
                return;
            }
            if (i + 1 == args.length) {
                exitWithUsage("missing a value after " + arg);
            }
            String value = args[++i];
            switch (arg) {
                case "--port" -> port = parsePort(value);
                case "--bind" -> bindAddress = InetAddress.getByName(value);
                case "--cert" -> cert = new File(value);
                case "--key" -> key = new File(value);
                case "--files" -> files = Path.of(value);
                case "--ticket-keys" -> ticketKeyFiles = Stream.of(value.split(",")).map(Path::of).toList();
                default -> exitWithUsage("unknown option " + arg);
            }
        }
        if ((cert == null) != (key == null)) {
            exitWithUsage("--cert and --key go together: give both, or neither for a throw-away certificate");
        }
        if (files != null && !Files.isDirectory(files)) {
            exitWithUsage("--files: " + files + " is not a directory");
        }
        byte[][] ticketKeys = readTicketKeys(ticketKeyFiles);
        SslWriteContext context = cert == null ? null
                : SslWriteContext.forServer(cert, key).applicationProtocols(ALPN).build();

        HttpsServer server = start(bindAddress, port, context, files);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "sslwrite-demo-shutdown"));
        if (ticketKeys.length > 0) {
            try {
                server.tls.setSessionTicketKeys(ticketKeys);
            } catch (IllegalArgumentException e) {
                exitWithUsage("--ticket-keys: " + e.getMessage());
            }
        }
        System.out.println(server.banner(bindAddress));
        if (cert != null) {
            CertificateWatcher.watch(server.ioGroup.next(), server.tls, cert, key, WATCH_PERIOD_MILLIS, System.out);
            System.out.println("Watching " + cert + " and " + key + " (every " + WATCH_PERIOD_MILLIS + " ms):"
                    + " replace them and the server reloads its certificate.");
        }
        if (ticketKeys.length > 0) {
            System.out.println("TLS 1.2 session tickets under " + ticketKeys.length + " key(s) of " + ticketKeyFiles
                    + ", the first issuing; resume with: openssl s_client -tls1_2 -connect localhost:" + server.port
                    + " -sess_out s.pem, then -sess_in s.pem (\"Reused\").");
        }
        server.awaitClose();
    }

    /** How often the demo looks at its --cert and --key files. */
    private static final long WATCH_PERIOD_MILLIS = 1000;

    /** The contents of the --ticket-keys files, in order; each must be 80 bytes (checked by the context). */
    private static byte[][] readTicketKeys(List<Path> paths) {
        byte[][] keys = new byte[paths.size()][];
        for (int i = 0; i < keys.length; i++) {
            try {
                keys[i] = Files.readAllBytes(paths.get(i));
            } catch (IOException e) {
                exitWithUsage("--ticket-keys: cannot read " + paths.get(i) + ": " + e);
            }
        }
        return keys;
    }

    private String banner(InetAddress bindAddress) {
        String trust = curlTrust(demoCertificate);
        StringBuilder text = new StringBuilder();
        text.append("sslwrite demo: HTTPS through SslWriteHandler on ").append(url("/"))
                .append(" (listening on ").append(bindAddress.getHostAddress()).append(')').append('\n');
        if (demoCertificate != null) {
            text.append("Certificate made for localhost and 127.0.0.1; its CA is ")
                    .append(demoCertificate.caPem()).append('\n');
        }
        text.append('\n')
                .append("Download ").append(SUGGESTED_DOWNLOAD).append(" bytes and hash them; sha256sum should print ")
                .append(SUGGESTED_SHA256).append(":\n")
                .append("  curl ").append(trust).append(' ').append(url("/bytes/" + SUGGESTED_DOWNLOAD))
                .append(" | sha256sum\n")
                .append("The same over HTTP/2 (ALPN h2; add -v to see it):\n")
                .append("  curl --http2 ").append(trust).append(' ').append(url("/bytes/" + SUGGESTED_DOWNLOAD))
                .append(" | sha256sum\n")
                .append("Send a file and get it back:\n")
                .append("  curl ").append(trust).append(" --data-binary @pom.xml ").append(url("/echo"))
                .append(" | cmp - pom.xml && echo same\n")
                .append("TLS statistics (handshakes by protocol and suite, failures by alert and cause, bytes),"
                        + " in the Prometheus text format:\n")
                .append("  curl ").append(trust).append(' ').append(url("/metrics")).append(" | grep ^sslwrite\n");
        if (files == null) {
            text.append("Serve the files of a directory at /files/NAME: start the server with --files DIR\n");
        } else {
            String name = exampleFileName(files.root()).orElse("NAME");
            text.append("Download a file of ").append(files.root()).append(" (sent as a FileRegion):\n")
                    .append("  curl ").append(trust).append(' ').append(url("/files/" + name))
                    .append(" | cmp - ").append(shellQuote(files.root().resolve(name))).append(" && echo same\n");
        }
        text.append("\nCtrl+C stops the server.");
        return text.toString();
    }

    /**
     * A file the banner can name in its {@code /files} line: the first regular file of the directory, in name
     * order, whose name needs no escaping in a URL; none if there is no such file.
     */
    private static Optional<String> exampleFileName(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries
                    .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> p.getFileName().toString())
                    .filter(name -> name.matches("[A-Za-z0-9_.-]+") && !name.contains(".."))
                    .sorted()
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String homePage(int port, String curlTrust, FileDirectory files) {
        String base = "https://localhost:" + port;
        return "sslwrite demo: HTTP/2 and HTTP/1.1 (by ALPN) over SslWriteHandler (TLS by BouncyCastle, write"
                + " back-pressure by sslwrite)\n"
                + "\n"
                + "GET  /bytes/N      N bytes, streamed as fast as the client reads them. Byte i is the XOR of the\n"
                + "                   eight bytes of the 64-bit number i, so bytes 0..255 are 0..255 and byte 256 is 1.\n"
                + "POST /echo         the request body, streamed back as it arrives.\n"
                + "GET  /files/NAME   the regular file NAME of the directory given with --files, sent as one\n"
                + "                   FileRegion that the TLS handler reads record by record as the client takes\n"
                + "                   them: a file of any size holds at most about 128 KiB of the server's buffers.\n"
                + (files == null
                        ? "                   (no directory given: this server was started without --files)\n"
                        : "")
                + "GET  /metrics      the TLS statistics of every connection since start-up, in the Prometheus\n"
                + "                   text format: handshakes, failures by alert and cause, bytes, connections.\n"
                + "GET  /             this page.\n"
                + "\n"
                + "curl " + curlTrust + " " + base + "/bytes/" + SUGGESTED_DOWNLOAD + " | sha256sum\n"
                + "  (expected " + SUGGESTED_SHA256 + ")\n"
                + "curl " + curlTrust + " --data-binary @FILE " + base + "/echo | cmp - FILE\n"
                + (files == null ? "" : "curl " + curlTrust + " -O " + base + "/files/NAME\n");
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the value
        }
        exitWithUsage("--port: " + value + " (expected: 0..65535)");
        return -1;
    }

    /**
     * How the printed curl lines trust the server: the CA made at start-up, or, for a certificate given with
     * {@code --cert}, {@code -k}, since only its owner knows which CA signed it.
     */
    private static String curlTrust(DemoCertificate demoCertificate) {
        return demoCertificate == null ? "-k" : "--cacert " + shellQuote(demoCertificate.caPem());
    }

    /** The path as one shell word, quoted only if it needs to be, so the printed curl line pastes as is. */
    private static String shellQuote(Path path) {
        String text = path.toString();
        return text.matches("[A-Za-z0-9_./:+-]+") ? text : "'" + text.replace("'", "'\\''") + "'";
    }

    private static void exitWithUsage(String problem) {
        System.err.println("sslwrite demo: " + problem);
        System.err.println(USAGE);
        System.exit(2);
    }

    private static final String USAGE = """
            usage: HttpsServer [--port P] [--bind ADDRESS] [--cert chain.pem --key key.pem] [--files DIR]
                               [--ticket-keys FILE[,FILE...]]
              --port P        port to listen on (default 8443; 0 picks a free one)
              --bind ADDRESS  local address to listen on (default the loopback address)
              --cert, --key   PEM certificate chain (leaf first) and PKCS#8 private key, reloaded when
                              they change; without them a CA and a certificate for localhost are made
                              in a temporary directory
              --files DIR     serve the regular files of DIR at /files/NAME (default: none, /files is 404);
                              names with / or .. and symbolic links are refused
              --ticket-keys   TLS 1.2 session ticket keys: 80-byte files (openssl rand 80 > t.key), as
                              nginx's ssl_session_ticket_key; the first issues tickets, all accept them""";
}
