package io.sslwrite.bench;

/** The server's key and its CA's ({@link BenchPki}), and so the signatures a handshake makes and checks. */
public enum CertificateType {
    /** ecdsa_secp256r1_sha256. */
    EC_P256,
    /** rsa_pss_rsae_sha256 in TLS 1.3 (RFC 8446 §4.2.3), over RSA 2048 keys. */
    RSA_2048
}
