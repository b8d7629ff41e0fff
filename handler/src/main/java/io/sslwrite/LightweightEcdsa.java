package io.sslwrite;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.io.SignerOutputStream;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.DSADigestSigner;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.tls.crypto.CryptoHashAlgorithm;
import org.bouncycastle.tls.crypto.Tls13Verifier;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * ECDSA keys of the JDK turned into BouncyCastle's lightweight parameters on its custom-curve
 * arithmetic ({@code CustomNamedCurves}: dedicated field code for each NIST prime, and the curve
 * object, with its precomputed multiples of the generator, shared by every key on it).
 *
 * <p>Keys are read from their standard encodings (PKCS#8, X.509 SubjectPublicKeyInfo), which name the
 * curve by OID (RFC 5480 §2.1.1). A key on an unnamed or explicitly encoded curve, or on a curve other
 * than P-256, P-384 and P-521, gives {@code null}, and the caller keeps the JDK for it.
 */
final class LightweightEcdsa {

    /**
     * Peer public keys recently decoded, by their X.509 encoding. A verification with a key seen before
     * reuses the multiples of its point that BC's ECDSA verification computes and keeps on the point
     * ({@code WNafUtil.precompute}): measured with BC 1.84 on P-256, 83 µs per verification against
     * 204 µs with a freshly decoded key. A client that reconnects to the same servers sees the same keys
     * again and again; a server that verifies many different client keys only evicts. Equal encodings
     * are the same key, so nothing but time is shared. Bounded, least recently used first out.
     */
    private static final int KEY_CACHE_SIZE = 64;
    private static final Map<ByteBuffer, ECPublicKeyParameters> PUBLIC_KEYS =
            new LinkedHashMap<ByteBuffer, ECPublicKeyParameters>(KEY_CACHE_SIZE * 2, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<ByteBuffer, ECPublicKeyParameters> eldest) {
                    return size() > KEY_CACHE_SIZE;
                }
            };

    private LightweightEcdsa() { }

    /** The lightweight form of {@code key}; {@code null} when it is not an EC key on a NIST curve. */
    static ECPrivateKeyParameters privateKey(PrivateKey key) {
        if (!(key instanceof ECPrivateKey) || key.getEncoded() == null) {
            return null;
        }
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
            ECNamedDomainParameters domain = domain(info.getPrivateKeyAlgorithm());
            if (domain == null) {
                return null;
            }
            BigInteger d = ((ECPrivateKey) key).getS();
            return new ECPrivateKeyParameters(d, domain);
        } catch (RuntimeException e) {
            return null;           // an encoding we do not read: the JDK signs, as before
        }
    }

    /** The lightweight form of {@code key}; {@code null} when it is not an EC key on a NIST curve. */
    static ECPublicKeyParameters publicKey(PublicKey key) {
        byte[] encoded = key instanceof ECPublicKey ? key.getEncoded() : null;
        if (encoded == null) {
            return null;
        }
        ByteBuffer cacheKey = ByteBuffer.wrap(encoded);
        ECPublicKeyParameters cached;
        synchronized (PUBLIC_KEYS) {
            cached = PUBLIC_KEYS.get(cacheKey);
        }
        if (cached != null) {
            return cached;
        }
        ECPublicKeyParameters decoded = decodePublicKey(encoded);
        if (decoded != null) {
            synchronized (PUBLIC_KEYS) {
                PUBLIC_KEYS.put(cacheKey, decoded);
            }
        }
        return decoded;
    }

    private static ECPublicKeyParameters decodePublicKey(byte[] encoded) {
        try {
            SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(encoded);
            ECNamedDomainParameters domain = domain(info.getAlgorithm());
            if (domain == null) {
                return null;
            }
            // Decoding checks that the point is on the curve; the constructor that it is valid.
            return new ECPublicKeyParameters(domain.getCurve().decodePoint(info.getPublicKeyData().getOctets()),
                    domain);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static ECNamedDomainParameters domain(AlgorithmIdentifier algorithm) {
        if (!X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm.getAlgorithm())) {
            return null;
        }
        X962Parameters params = X962Parameters.getInstance(algorithm.getParameters());
        if (!params.isNamedCurve()) {
            return null;
        }
        ASN1ObjectIdentifier curve = ASN1ObjectIdentifier.getInstance((ASN1Primitive) params.getParameters());
        if (!isNistCurve(curve)) {
            return null;
        }
        X9ECParameters x9 = CustomNamedCurves.getByOID(curve);
        return x9 == null ? null : new ECNamedDomainParameters(curve, x9);
    }

    private static boolean isNistCurve(ASN1ObjectIdentifier curve) {
        return curve.equals(org.bouncycastle.asn1.sec.SECObjectIdentifiers.secp256r1)
                || curve.equals(org.bouncycastle.asn1.sec.SECObjectIdentifiers.secp384r1)
                || curve.equals(org.bouncycastle.asn1.sec.SECObjectIdentifiers.secp521r1);
    }

    /**
     * The hash of a JCA ECDSA algorithm name as bctls writes it ("SHA256WITHECDSA"), as a
     * {@link CryptoHashAlgorithm}; -1 for any other name.
     */
    static int hashOfAlgorithmName(String algorithmName) {
        switch (algorithmName.toUpperCase(Locale.ROOT)) {
            case "SHA256WITHECDSA":
                return CryptoHashAlgorithm.sha256;
            case "SHA384WITHECDSA":
                return CryptoHashAlgorithm.sha384;
            case "SHA512WITHECDSA":
                return CryptoHashAlgorithm.sha512;
            default:
                return -1;
        }
    }

    /** A verifier of a DER-encoded ECDSA signature (RFC 8446 §4.2.3) over what is written to it. */
    static Tls13Verifier verifier(BcTlsCrypto crypto, ECPublicKeyParameters key, int cryptoHashAlgorithm) {
        DSADigestSigner signer = new DSADigestSigner(new ECDSASigner(), crypto.createDigest(cryptoHashAlgorithm));
        signer.init(false, key);
        SignerOutputStream output = new SignerOutputStream(signer);
        return new Tls13Verifier() {
            @Override
            public OutputStream getOutputStream() {
                return output;
            }

            @Override
            public boolean verifySignature(byte[] signature) {
                return signer.verifySignature(signature);
            }
        };
    }
}
