package io.sslwrite.examples;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The directory behind {@code GET /files/NAME}, and the one place that decides which names it serves.
 *
 * <p>A name is one file name, never a path: names with {@code /}, {@code \}, {@code ..} or a control
 * character are refused before the file system is asked (400), so a request cannot climb out of the
 * directory or into a subdirectory. A name that passes must then name a regular file directly in the
 * directory; a symbolic link is refused like a missing file (404), since it may point anywhere, and the
 * file is opened with {@code NOFOLLOW_LINKS} so that a link swapped in after the check is refused too.
 * The directory itself is resolved once, when the server starts: pointing {@code --files} at a link is
 * the operator's choice.
 *
 * <p>Refusals say what was wrong in words for the client and never show the server's path.
 */
final class FileDirectory {

    /** What a name led to: an open file, or a refusal with its status. */
    sealed interface Lookup permits Found, Refused { }

    /** An open regular file and its size when opened; the caller owns the channel. */
    record Found(FileChannel channel, long size) implements Lookup { }

    /** Why the name is not served, with the status to answer. */
    record Refused(HttpResponseStatus status, String message) implements Lookup { }

    private final Path root;

    private FileDirectory(Path root) {
        this.root = root;
    }

    /**
     * @param directory an existing directory; resolved to its real path now
     * @throws NotDirectoryException if it exists but is not a directory
     * @throws NoSuchFileException   if it does not exist
     */
    static FileDirectory of(Path directory) throws IOException {
        Path real = directory.toRealPath();
        if (!Files.isDirectory(real)) {
            throw new NotDirectoryException(directory.toString());
        }
        return new FileDirectory(real);
    }

    /** The directory served, as a real path. */
    Path root() {
        return root;
    }

    /**
     * Opens the regular file {@code name} of this directory for reading.
     *
     * <p>Opening is a blocking call on the caller's thread; for local files it takes microseconds, and the
     * demo accepts that on its event loop, as it accepts {@code FileRegion}'s own reads there.
     *
     * @param name the part of the path after {@code /files/}, already percent-decoded
     */
    Lookup open(String name) {
        String problem = nameProblem(name);
        if (problem != null) {
            return new Refused(HttpResponseStatus.BAD_REQUEST,
                    "GET /files/NAME wants one file name: " + problem + "\n");
        }
        Path file;
        try {
            file = root.resolve(name);
        } catch (InvalidPathException e) {
            return new Refused(HttpResponseStatus.BAD_REQUEST,
                    "GET /files/NAME: " + quote(name) + " is not a file name here\n");
        }
        Refused notServed = new Refused(HttpResponseStatus.NOT_FOUND,
                "no regular file named " + quote(name) + " in the served directory\n");
        try {
            BasicFileAttributes attributes =
                    Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile()) {
                // Directories, links, devices and pipes: a pipe would even block the open below.
                return notServed;
            }
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            try {
                return new Found(channel, channel.size());
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (NoSuchFileException e) {
            return notServed;
        } catch (IOException e) {
            // A link swapped in after the check (ELOOP), a file not readable by the server, and the like.
            return new Refused(HttpResponseStatus.NOT_FOUND,
                    "cannot serve " + quote(name) + ": " + e.getClass().getSimpleName() + "\n");
        }
    }

    /** Why {@code name} is not a plain file name of this directory, or null if it is one. */
    private static String nameProblem(String name) {
        if (name.isEmpty()) {
            return "the name is empty";
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            return "the name has a control character";
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            return quote(name) + " has a path separator; subdirectories are not served";
        }
        if (name.contains("..")) {
            return quote(name) + " contains \"..\"";
        }
        return null;
    }

    /** The name in quotes, cut short if long: it goes back to the client that sent it. */
    private static String quote(String name) {
        return "\"" + (name.length() <= 100 ? name : name.substring(0, 100) + "...") + "\"";
    }
}
