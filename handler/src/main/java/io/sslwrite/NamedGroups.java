package io.sslwrite;

import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.crypto.TlsCrypto;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The key-exchange groups sslwrite accepts by name, spelled as IANA's TLS Supported Groups registry and
 * OpenSSL spell them ("X25519MLKEM768", "x25519", "secp256r1"); lookups ignore case, and OpenSSL's
 * aliases ("P-256", "prime256v1") are accepted too. Names reported back come from bctls's
 * {@code NamedGroup.getName}, which spells them the same way.
 */
final class NamedGroups {

    private static final Map<String, Integer> BY_NAME = new LinkedHashMap<>();
    private static final Map<String, Integer> ALIASES = new LinkedHashMap<>();

    /*
     * The hybrid groups of draft-ietf-tls-ecdhe-mlkem, by code point and name: bctls 1.84 has them, but
     * bctls-fips 2.1.20, which the FIPS build compiles this class against, has neither the constants nor
     * the names (its crypto then reports them unsupported, and build() refuses them there).
     */
    static final int SECP256R1_MLKEM768 = 0x11EB;
    static final int X25519_MLKEM768 = 0x11EC;
    static final int SECP384R1_MLKEM1024 = 0x11ED;
    private static final Map<Integer, String> HYBRID_NAMES = Map.of(
            SECP256R1_MLKEM768, "SecP256r1MLKEM768",
            X25519_MLKEM768, "X25519MLKEM768",
            SECP384R1_MLKEM1024, "SecP384r1MLKEM1024");

    static {
        add(X25519_MLKEM768);
        add(SECP256R1_MLKEM768);
        add(SECP384R1_MLKEM1024);
        add(NamedGroup.x25519);
        add(NamedGroup.x448);
        add(NamedGroup.secp256r1);
        add(NamedGroup.secp384r1);
        add(NamedGroup.secp521r1);
        add(NamedGroup.ffdhe2048);
        add(NamedGroup.ffdhe3072);
        add(NamedGroup.ffdhe4096);
        ALIASES.put("p-256", NamedGroup.secp256r1);
        ALIASES.put("prime256v1", NamedGroup.secp256r1);
        ALIASES.put("p-384", NamedGroup.secp384r1);
        ALIASES.put("p-521", NamedGroup.secp521r1);
    }

    /**
     * Default: the post-quantum hybrid first (its share is the one the client sends up front), then the
     * classical groups every TLS 1.3 peer has (RFC 8446 §9.1 makes secp256r1 mandatory, x25519 SHOULD).
     */
    static final List<String> DEFAULTS = List.of("X25519MLKEM768", "x25519", "secp256r1", "secp384r1");

    /**
     * bctls 1.84's {@code SecurityParameters.getNegotiatedGroup()}, the TLS 1.3 key-share group; bctls-fips
     * 2.1.20 records no group at all, so the FIPS build, which compiles this class too, finds none.
     */
    private static final MethodHandle NEGOTIATED_GROUP = negotiatedGroupGetter();

    private NamedGroups() { }

    private static MethodHandle negotiatedGroupGetter() {
        try {
            return MethodHandles.publicLookup().findVirtual(SecurityParameters.class, "getNegotiatedGroup",
                    MethodType.methodType(int.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }

    /** The TLS 1.3 key-share group bctls recorded, or -1 (TLS 1.2, or a bctls that records none). */
    static int negotiated(SecurityParameters params) {
        if (NEGOTIATED_GROUP == null) {
            return -1;
        }
        try {
            return (int) NEGOTIATED_GROUP.invokeExact(params);
        } catch (Throwable e) {
            throw new IllegalStateException("SecurityParameters.getNegotiatedGroup failed", e);
        }
    }

    /**
     * Whether {@code crypto} runs {@code group}; a hybrid needs both halves, as bctls 1.84's
     * {@code TlsUtils.isSupportedNamedGroup} says (bctls-fips has no such method).
     */
    static boolean isSupported(TlsCrypto crypto, int group) {
        switch (group) {
            case X25519_MLKEM768:
                return crypto.hasNamedGroup(NamedGroup.x25519) && crypto.hasNamedGroup(NamedGroup.MLKEM768);
            case SECP256R1_MLKEM768:
                return crypto.hasNamedGroup(NamedGroup.secp256r1) && crypto.hasNamedGroup(NamedGroup.MLKEM768);
            case SECP384R1_MLKEM1024:
                return crypto.hasNamedGroup(NamedGroup.secp384r1) && crypto.hasNamedGroup(NamedGroup.MLKEM1024);
            default:
                return crypto.hasNamedGroup(group);
        }
    }

    private static void add(int group) {
        BY_NAME.put(name(group).toLowerCase(Locale.ROOT), group);
    }

    /** The code point of {@code name} (any case, IANA or OpenSSL spelling), or -1. */
    static int code(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        Integer code = BY_NAME.get(key);
        if (code == null) {
            code = ALIASES.get(key);
        }
        return code == null ? -1 : code;
    }

    /** The name of {@code code} as IANA spells it, e.g. "x25519", "X25519MLKEM768". */
    static String name(int code) {
        String hybrid = HYBRID_NAMES.get(code);
        return hybrid != null ? hybrid : NamedGroup.getName(code);
    }

    /** The canonical names {@link #code} accepts. */
    static List<String> supportedNames() {
        List<String> names = new ArrayList<>();
        for (int code : BY_NAME.values()) {
            names.add(name(code));
        }
        return names;
    }
}
