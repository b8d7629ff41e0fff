package io.sslwrite;

import javax.net.ssl.KeyManagerFactory;
import java.io.File;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Where one key and its chain came from, as a builder was given them, so that
 * {@link SslWriteContext#reload()} can read them again:
 *
 * <ul>
 *   <li>two PEM files (and the key's password): read again from the files;</li>
 *   <li>a {@link KeyManagerFactory}: asked again for its key, so a factory whose key manager reads its store
 *       afresh, or one the application has {@code init}ed again with a renewed {@code KeyStore}, yields the
 *       new key; the factory cannot be made to re-read a store it copied at {@code init};</li>
 *   <li>a {@link PrivateKey} and certificates in memory: nothing to re-read, the same key again.</li>
 * </ul>
 * The first load happens when the source is made, at the builder's call, so that a bad file is refused
 * there as before. Immutable; {@link #load()} may run on any thread.
 */
final class CredentialSource {

    private final String origin;
    private final Supplier<KeyCredentials> loader;
    private final KeyCredentials initial;

    /** @throws IllegalArgumentException from the first load */
    private CredentialSource(String origin, Supplier<KeyCredentials> loader) {
        this.origin = origin;
        this.loader = loader;
        this.initial = loader.get();
    }

    /**
     * The chain and key of two PEM files; {@code password} decrypts the key (null: not encrypted).
     * @param setter the builder call, for messages, e.g. {@code keyManager()}
     */
    static CredentialSource pem(String setter, File certChainPem, File keyPem, String password) {
        Objects.requireNonNull(certChainPem, "certChainPem");
        Objects.requireNonNull(keyPem, "keyPem");
        return new CredentialSource(certChainPem.getPath() + " and " + keyPem.getPath(), () -> {
            X509Certificate[] chain = PemReader.readCertificates(certChainPem);
            return KeyCredentials.of(setter, PemReader.readPrivateKey(keyPem, password), chain);
        });
    }

    /** The key the factory's key manager chooses (see {@link KeyManagerCredentials}), asked at each load. */
    static CredentialSource keyManagerFactory(String setter, KeyManagerFactory kmf, boolean server) {
        Objects.requireNonNull(kmf, "kmf");
        return new CredentialSource("the KeyManagerFactory (" + kmf.getAlgorithm() + ")", () -> {
            KeyManagerCredentials chosen = KeyManagerCredentials.of(kmf, server);
            return KeyCredentials.of(setter, chosen.key(), chosen.chain());
        });
    }

    /** A key and chain held in memory; reloading yields them unchanged. */
    static CredentialSource fixed(String setter, PrivateKey key, X509Certificate[] chain) {
        KeyCredentials credentials = KeyCredentials.of(setter, key, chain);
        return new CredentialSource("the key and certificates given to " + setter, () -> credentials);
    }

    /** What was read when the builder was given the source. */
    KeyCredentials initial() {
        return initial;
    }

    /**
     * Reads the key and chain again.
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    KeyCredentials load() {
        return loader.get();
    }

    /** "cert.pem and key.pem", for messages. */
    String origin() {
        return origin;
    }
}
