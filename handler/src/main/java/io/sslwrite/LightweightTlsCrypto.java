package io.sslwrite;

import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.SignatureScheme;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.crypto.TlsAgreement;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.TlsECConfig;
import org.bouncycastle.tls.crypto.TlsECDomain;
import org.bouncycastle.tls.crypto.TlsKemConfig;
import org.bouncycastle.tls.crypto.TlsKemDomain;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.TlsSigner;
import org.bouncycastle.tls.crypto.Tls13Verifier;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsECDSA13Signer;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsECDSASigner;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsECDomain;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsMLKemDomain;
import org.bouncycastle.tls.crypto.impl.bc.BcX25519Domain;
import org.bouncycastle.tls.DefaultTlsCredentialedSigner;
import org.bouncycastle.tls.Certificate;

import java.io.IOException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Arrays;

/**
 * sslwrite's crypto with the handshake's asymmetric work on BouncyCastle's lightweight classes
 * (DESIGN §6): X25519 ({@code math.ec.rfc7748}), ECDH and ECDSA on the NIST curves with BC's
 * custom-curve arithmetic ({@code CustomNamedCurves}: P-256, P-384, P-521), and ML-KEM. Everything
 * else stays where {@link SslWriteCrypto} puts it: AES-GCM records on the JDK's SunJCE, HKDF, HMAC and
 * transcript hashes on the JDK's providers, RSA signatures on the JDK (BigInteger {@code modPow} with the
 * JDK's Montgomery intrinsics either way; measured no faster on BC).
 *
 * <p>The pieces come from bctls's own lightweight crypto ({@code BcTlsCrypto}, which builds its
 * domains and signers from exactly these classes), held privately and sharing this crypto's key
 * random. Its secrets are re-made as this crypto's own ({@link #createSecret}) as soon as an agreement
 * ends, so the TLS 1.3 key schedule runs on one implementation throughout.
 *
 * <p>Only the algorithms named above are taken over; any other group, curve or signature algorithm
 * falls through to {@link SslWriteCrypto}, so nothing the JDK could do before is lost.
 */
final class LightweightTlsCrypto extends SslWriteCrypto {

    /** Key generation, deterministic ECDSA nonces (RFC 6979) and ML-KEM encapsulation randomness. */
    private final BcTlsCrypto lightweight;

    LightweightTlsCrypto(JcaJceHelper helper, SecureRandom keyRandom, SecureRandom nonceRandom) {
        super(helper, keyRandom, nonceRandom);
        this.lightweight = new BcTlsCrypto(keyRandom);
    }

    @Override
    protected Boolean isSupportedNamedGroup(int namedGroup) {
        if (isLightweightGroup(namedGroup)) {
            return Boolean.TRUE;
        }
        return super.isSupportedNamedGroup(namedGroup);
    }

    private static boolean isLightweightGroup(int namedGroup) {
        switch (namedGroup) {
            case NamedGroup.x25519:
            case NamedGroup.secp256r1:
            case NamedGroup.secp384r1:
            case NamedGroup.secp521r1:
            case NamedGroup.MLKEM512:
            case NamedGroup.MLKEM768:
            case NamedGroup.MLKEM1024:
                return true;
            default:
                return false;
        }
    }

    @Override
    public TlsECDomain createECDomain(TlsECConfig ecConfig) {
        switch (ecConfig.getNamedGroup()) {
            case NamedGroup.x25519: {
                TlsECDomain domain = new BcX25519Domain(lightweight);
                return () -> new OwnSecret(domain.createECDH());
            }
            case NamedGroup.secp256r1:
            case NamedGroup.secp384r1:
            case NamedGroup.secp521r1: {
                TlsECDomain domain = new BcTlsECDomain(lightweight, ecConfig);
                return () -> new OwnSecret(domain.createECDH());
            }
            default:
                return super.createECDomain(ecConfig);
        }
    }

    @Override
    public TlsKemDomain createKemDomain(TlsKemConfig kemConfig) {
        // BcTlsMLKemDomain covers exactly the three ML-KEM groups, the only KEMs bctls 1.84 defines.
        TlsKemDomain domain = new BcTlsMLKemDomain(lightweight, kemConfig);
        return () -> new OwnSecret(domain.createKem());
    }

    /**
     * TLS 1.3 CertificateVerify (RFC 8446 §4.4.3) with ecdsa_secp256r1_sha256 and its P-384 and P-521
     * siblings, which bctls asks for as "SHA256WITHECDSA" and so on; anything else goes to the JDK.
     */
    @Override
    protected Tls13Verifier createTls13Verifier(String algorithmName, AlgorithmParameterSpec parameter,
                                                PublicKey publicKey) throws IOException {
        if (parameter == null) {
            ECPublicKeyParameters key = LightweightEcdsa.publicKey(publicKey);
            int hash = LightweightEcdsa.hashOfAlgorithmName(algorithmName);
            if (key != null && hash >= 0) {
                return LightweightEcdsa.verifier(lightweight, key, hash);
            }
        }
        return super.createTls13Verifier(algorithmName, parameter, publicKey);
    }

    /** ECDSA keys on a NIST curve sign with BC's lightweight ECDSA; every other key as before. */
    @Override
    TlsCredentialedSigner credentialedSigner(TlsCryptoParameters params, PrivateKey key, Certificate certificate,
                                             SignatureAndHashAlgorithm algorithm) {
        ECPrivateKeyParameters ecKey = LightweightEcdsa.privateKey(key);
        if (ecKey == null) {
            return super.credentialedSigner(params, key, certificate, algorithm);
        }
        TlsSigner signer;
        if (algorithm != null && SignatureScheme.isECDSA(SignatureScheme.from(algorithm))) {
            signer = new BcTlsECDSA13Signer(lightweight, ecKey, SignatureScheme.from(algorithm));
        } else {
            signer = new BcTlsECDSASigner(lightweight, ecKey);
        }
        return new DefaultTlsCredentialedSigner(params, signer, certificate, algorithm);
    }

    /**
     * An agreement of the lightweight crypto whose secret becomes this crypto's: the TLS 1.3 key
     * schedule then derives every traffic key with the JDK's HMAC, as without this class.
     */
    private final class OwnSecret implements TlsAgreement {
        private final TlsAgreement agreement;

        OwnSecret(TlsAgreement agreement) {
            this.agreement = agreement;
        }

        @Override
        public byte[] generateEphemeral() throws IOException {
            return agreement.generateEphemeral();
        }

        @Override
        public void receivePeerValue(byte[] peerValue) throws IOException {
            agreement.receivePeerValue(peerValue);
        }

        @Override
        public TlsSecret calculateSecret() throws IOException {
            byte[] shared = agreement.calculateSecret().extract();
            try {
                return createSecret(shared);
            } finally {
                Arrays.fill(shared, (byte) 0);
            }
        }
    }
}
