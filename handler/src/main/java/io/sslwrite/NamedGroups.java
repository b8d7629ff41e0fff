package io.sslwrite;

import org.bouncycastle.tls.NamedGroup;

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

    static {
        add(NamedGroup.X25519MLKEM768);
        add(NamedGroup.SecP256r1MLKEM768);
        add(NamedGroup.SecP384r1MLKEM1024);
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

    private NamedGroups() { }

    private static void add(int group) {
        BY_NAME.put(NamedGroup.getName(group).toLowerCase(Locale.ROOT), group);
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
        return NamedGroup.getName(code);
    }

    /** The canonical names {@link #code} accepts. */
    static List<String> supportedNames() {
        List<String> names = new ArrayList<>();
        for (int code : BY_NAME.values()) {
            names.add(NamedGroup.getName(code));
        }
        return names;
    }
}
