package io.sslwrite;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509KeyManager;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Key material from a {@link KeyManagerFactory} (a PKCS#12 or JKS {@code KeyStore} loaded through the JDK): the
 * key and chain of the alias its first {@link X509KeyManager} chooses, as a JSSE server or client would ask
 * ({@code chooseServerAlias} per key type, EC first; {@code chooseClientAlias} with both types). The choice is
 * made once, when the builder is given the factory: sslwrite signs with one key per context (per SNI name with
 * {@code serverName}), not per handshake.
 */
final class KeyManagerCredentials {

    /** The key types sslwrite signs with, in the order a server prefers them (DESIGN §6: EC is the faster). */
    private static final String[] KEY_TYPES = {"EC", "RSA"};

    private final PrivateKey key;
    private final X509Certificate[] chain;

    private KeyManagerCredentials(PrivateKey key, X509Certificate[] chain) {
        this.key = key;
        this.chain = chain;
    }

    PrivateKey key() {
        return key;
    }

    X509Certificate[] chain() {
        return chain;
    }

    /**
     * @throws IllegalArgumentException when the factory has no {@link X509KeyManager} (not initialised), or
     *         its key manager has no EC or RSA key with a certificate chain; the message lists what it has
     */
    static KeyManagerCredentials of(KeyManagerFactory kmf, boolean server) {
        Objects.requireNonNull(kmf, "kmf");
        X509KeyManager km = x509KeyManager(kmf);
        List<String> aliases = new ArrayList<>();
        if (server) {
            for (String type : KEY_TYPES) {
                aliases.add(km.chooseServerAlias(type, null, null));
            }
        } else {
            aliases.add(km.chooseClientAlias(KEY_TYPES, null, null));
        }
        for (String alias : aliases) {
            if (alias == null) {
                continue;
            }
            PrivateKey key = km.getPrivateKey(alias);
            X509Certificate[] chain = km.getCertificateChain(alias);
            if (key != null && chain != null && chain.length > 0) {
                return new KeyManagerCredentials(key, chain.clone());
            }
        }
        throw new IllegalArgumentException("the KeyManagerFactory (" + kmf.getAlgorithm() + ") has no EC or RSA"
                + " private key with a certificate chain (key entries by type: " + describe(km) + "); put a key"
                + " entry with its chain in the KeyStore (a trusted-certificate entry alone is not enough) and"
                + " initialise the factory with the KeyStore's key password");
    }

    private static X509KeyManager x509KeyManager(KeyManagerFactory kmf) {
        KeyManager[] managers;
        try {
            managers = kmf.getKeyManagers();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("the KeyManagerFactory is not initialised: call kmf.init(keyStore,"
                    + " password) first", e);
        }
        for (KeyManager m : managers) {
            if (m instanceof X509KeyManager x509) {
                return x509;
            }
        }
        throw new IllegalArgumentException("the KeyManagerFactory (" + kmf.getAlgorithm() + ") has no"
                + " X509KeyManager");
    }

    private static String describe(X509KeyManager km) {
        List<String> found = new ArrayList<>();
        for (String type : new String[] {"EC", "RSA", "RSASSA-PSS", "EdDSA", "Ed25519", "DSA"}) {
            String[] aliases = km.getServerAliases(type, null);
            if (aliases != null && aliases.length > 0) {
                found.add(type + "=" + String.join(",", aliases));
            }
        }
        return found.isEmpty() ? "none" : String.join("; ", found);
    }
}
