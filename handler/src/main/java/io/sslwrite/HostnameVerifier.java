package io.sslwrite;

import io.netty.util.NetUtil;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;

import java.net.IDN;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * RFC 6125 §6 service identity check of a server certificate against the host the client dialled.
 *
 * <ul>
 *   <li>An IP literal matches only an iPAddress subjectAltName, compared as bytes (RFC 6125 §1.7.2
 *       leaves IPs out of scope; this is the RFC 2818 §3.1 rule every browser uses).</li>
 *   <li>A DNS name matches a dNSName subjectAltName, case-insensitively, after IDNA conversion and
 *       with a trailing dot removed. A wildcard is honoured only as the whole left-most label
 *       ("*.example.com"), matches exactly one label, and never on a pattern with fewer than two
 *       labels after it (RFC 6125 §6.4.3, the CA/Browser Forum's stricter reading).</li>
 *   <li>The subject CN is consulted only when the certificate has no dNSName and no iPAddress
 *       subjectAltName at all (RFC 6125 §6.4.4).</li>
 * </ul>
 */
final class HostnameVerifier {

    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    private HostnameVerifier() { }

    /** @throws TlsFatalAlert certificate_unknown, naming the host and the names the certificate holds */
    static void verify(String host, X509Certificate cert) throws TlsFatalAlert {
        List<String> dnsNames = new ArrayList<>();
        List<String> ipNames = new ArrayList<>();
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate,
                    "the server certificate's subjectAltName cannot be parsed: " + e.getMessage(), e);
        }
        if (sans != null) {
            for (List<?> san : sans) {
                int type = (Integer) san.get(0);
                if (type == SAN_DNS) {
                    dnsNames.add((String) san.get(1));
                } else if (type == SAN_IP) {
                    ipNames.add((String) san.get(1));
                }
            }
        }
        if (!matches(host, dnsNames, ipNames, cert)) {
            throw new TlsFatalAlert(AlertDescription.certificate_unknown, "host name " + host
                    + " does not match the server certificate (" + describe(dnsNames, ipNames, cert) + ")");
        }
    }

    private static boolean matches(String host, List<String> dnsNames, List<String> ipNames, X509Certificate cert) {
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (NetUtil.isValidIpV4Address(literal) || NetUtil.isValidIpV6Address(literal)) {
            byte[] want = NetUtil.createByteArrayFromIpAddressString(literal);
            for (String ip : ipNames) {
                byte[] have = NetUtil.createByteArrayFromIpAddressString(ip);
                if (have != null && Arrays.equals(want, have)) {
                    return true;
                }
            }
            return false;
        }
        String name = normalize(host);
        if (name == null) {
            return false;
        }
        if (dnsNames.isEmpty() && ipNames.isEmpty()) {
            String cn = commonName(cert);
            return cn != null && matchesPattern(name, cn);
        }
        for (String pattern : dnsNames) {
            if (matchesPattern(name, pattern)) {
                return true;
            }
        }
        return false;
    }

    /** Lower-case A-label form without a trailing dot, or null if {@code host} is not a valid name. */
    private static String normalize(String host) {
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        try {
            h = IDN.toASCII(h);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return h.toLowerCase(Locale.ROOT);
    }

    private static boolean matchesPattern(String name, String rawPattern) {
        String pattern = normalize(rawPattern.startsWith("*.") ? rawPattern.substring(2) : rawPattern);
        if (pattern == null || pattern.isEmpty()) {
            return false;
        }
        if (!rawPattern.startsWith("*.")) {
            return !pattern.contains("*") && name.equals(pattern);
        }
        // "*.example.com": the rest must have two labels at least and no wildcard of its own.
        if (pattern.indexOf('.') < 0 || pattern.contains("*")) {
            return false;
        }
        int dot = name.indexOf('.');
        return dot > 0 && name.substring(dot + 1).equals(pattern);
    }

    private static String commonName(X509Certificate cert) {
        X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        RDN[] cns = subject.getRDNs(BCStyle.CN);
        if (cns.length == 0) {
            return null;
        }
        // RFC 6125 §6.4.4: the most specific CN, which is the last one in the DN's encoding order.
        return IETFUtils.valueToString(cns[cns.length - 1].getFirst().getValue());
    }

    private static String describe(List<String> dnsNames, List<String> ipNames, X509Certificate cert) {
        if (dnsNames.isEmpty() && ipNames.isEmpty()) {
            return "no subjectAltNames; subject " + cert.getSubjectX500Principal().getName();
        }
        List<String> all = new ArrayList<>();
        for (String d : dnsNames) {
            all.add("DNS:" + d);
        }
        for (String ip : ipNames) {
            all.add("IP:" + ip);
        }
        return "subjectAltNames: " + all;
    }

    /** {@code true} if {@code host} is an IPv4 or IPv6 literal (never sent as SNI, RFC 6066 §3). */
    static boolean isIpLiteral(String host) {
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return NetUtil.isValidIpV4Address(literal) || NetUtil.isValidIpV6Address(literal);
    }
}
