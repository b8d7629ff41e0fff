package io.sslwrite.examples;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.sslwrite.SslWriteContext;

import javax.net.ssl.SSLException;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reloads a server context when its certificate or key file changes, as a certificate renewal (certbot, an ACME
 * client, a secrets operator) replaces them: a check of the files' modification times and sizes once per period
 * on an event loop's scheduler, so no thread of its own and nothing to stop but the event loop.
 *
 * <p>Renewals write the two files one after the other; reading between the two writes would pair the new
 * certificate with the old key. So a change is acted on only once the files have stayed the same for a whole
 * period. Each reload prints one line; a failed one prints one line with the reason, once per state of the
 * files, and the server keeps the certificate it has ({@link SslWriteContext#reload()}).
 */
final class CertificateWatcher {

    private final SslWriteContext context;
    private final List<File> files;
    private final PrintStream out;
    /** The files' state the context was last loaded from or refused for. */
    private List<Object> acted;
    /** The state seen at the previous check. */
    private List<Object> seen;

    private CertificateWatcher(SslWriteContext context, List<File> files, PrintStream out) {
        this.context = context;
        this.files = files;
        this.out = out;
        this.acted = stamps();
        this.seen = acted;
    }

    /**
     * Checks {@code certChain} and {@code key} every {@code periodMillis} on {@code executor}.
     * @return the scheduled check; it ends when the executor shuts down, or when cancelled
     */
    static ScheduledFuture<?> watch(EventExecutor executor, SslWriteContext context, File certChain, File key,
                                    long periodMillis, PrintStream out) {
        CertificateWatcher watcher = new CertificateWatcher(context, List.of(certChain, key), out);
        return executor.scheduleWithFixedDelay(watcher::check, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** One check: act on a change that has settled for a period. */
    private void check() {
        List<Object> now = stamps();
        boolean settled = now.equals(seen);
        seen = now;
        if (!settled || now.equals(acted)) {
            return;
        }
        acted = now;
        try {
            context.reload();
            out.println("sslwrite demo: certificate reloaded from " + files.get(0) + " and " + files.get(1)
                    + "; new connections get it, open ones keep theirs");
        } catch (SSLException | RuntimeException e) {
            // The message says which file failed and why, and that the certificate in use stays.
            out.println("sslwrite demo: certificate " + e.getMessage());
        }
    }

    /**
     * Each file's modification time (to the file system's precision, nanoseconds on ext4), size and identity
     * (inode: a renewal may rename a new file into place); "missing" for a file that cannot be read.
     */
    private List<Object> stamps() {
        List<Object> stamps = new ArrayList<>();
        for (File f : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(f.toPath(), BasicFileAttributes.class);
                stamps.add(List.of(a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.size(), String.valueOf(a.fileKey())));
            } catch (IOException e) {
                stamps.add("missing");
            }
        }
        return stamps;
    }
}
