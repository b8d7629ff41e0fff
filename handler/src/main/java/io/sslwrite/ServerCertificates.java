package io.sslwrite;

import java.net.IDN;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A server's certificates by host name: the one whose name matches the ClientHello's server_name (RFC 6066
 * §3), else the default. A name is exact ("api.example.com") or a wildcard for exactly one label
 * ("*.example.com" matches "a.example.com", not "example.com" nor "a.b.example.com", as RFC 6125 §6.4.3 has
 * clients match certificates). An exact name wins over a wildcard. Names compare in lower case, in their
 * A-label (punycode) form, without a trailing dot, as clients send them.
 *
 * <p>Immutable once built, so shared by every connection of a context.
 */
final class ServerCertificates {

    private final KeyCredentials defaultCredentials;
    /** Exact names, and wildcards stored under their "*.rest" form. */
    private final Map<String, KeyCredentials> byName;

    ServerCertificates(KeyCredentials defaultCredentials, Map<String, KeyCredentials> byName) {
        this.defaultCredentials = Objects.requireNonNull(defaultCredentials, "defaultCredentials");
        this.byName = Map.copyOf(byName);
    }

    /**
     * The certificate for the host name a client asked for.
     *
     * @param sniHostName the server_name host_name as sent (ASCII), or null when the client sent none
     */
    KeyCredentials select(String sniHostName) {
        if (sniHostName == null || byName.isEmpty()) {
            return defaultCredentials;
        }
        String name = stripDot(sniHostName.toLowerCase(Locale.ROOT));
        KeyCredentials exact = byName.get(name);
        if (exact != null) {
            return exact;
        }
        int dot = name.indexOf('.');
        if (dot > 0) {
            KeyCredentials wildcard = byName.get("*" + name.substring(dot));
            if (wildcard != null) {
                return wildcard;
            }
        }
        return defaultCredentials;
    }

    /**
     * The form a configured name is stored and matched in.
     *
     * @throws IllegalArgumentException naming what is wrong with the name
     */
    static String normalise(String name) {
        Objects.requireNonNull(name, "name");
        String trimmed = stripDot(name.trim());
        boolean wildcard = trimmed.startsWith("*.");
        String rest = wildcard ? trimmed.substring(2) : trimmed;
        if (rest.isEmpty() || rest.contains("*")) {
            throw new IllegalArgumentException("serverName(\"" + name + "\"): expected a host name such as"
                    + " \"api.example.com\" or a wildcard for one label such as \"*.example.com\"");
        }
        if (wildcard && !rest.contains(".")) {
            throw new IllegalArgumentException("serverName(\"" + name + "\"): a wildcard needs at least two labels"
                    + " after \"*.\" (\"*.example.com\"), as clients refuse certificates for \"*.com\"");
        }
        String ascii;
        try {
            ascii = IDN.toASCII(rest, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("serverName(\"" + name + "\"): not a valid host name: "
                    + e.getMessage(), e);
        }
        return wildcard ? "*." + ascii : ascii;
    }

    private static String stripDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}
