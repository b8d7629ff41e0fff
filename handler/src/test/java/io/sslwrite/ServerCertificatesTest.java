package io.sslwrite;

import io.sslwrite.testing.LeakDetectionExtension;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.net.ssl.SSLException;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN §3.1: which certificate a server's SNI names select, and names refused with a reason. */
@ExtendWith(LeakDetectionExtension.class)
class ServerCertificatesTest {

    private final KeyCredentials fallback = new KeyCredentials(TestPki.serverKey(), TestPki.serverChain());
    private final KeyCredentials exact = new KeyCredentials(TestPki.rsaServerKey(), TestPki.rsaServerChain());
    private final KeyCredentials wildcard = new KeyCredentials(TestPki.clientKey(), TestPki.clientChain());

    private ServerCertificates certificates() {
        Map<String, KeyCredentials> byName = new LinkedHashMap<>();
        byName.put(ServerCertificates.normalise("API.Example.com."), exact);
        byName.put(ServerCertificates.normalise("*.example.com"), wildcard);
        return new ServerCertificates(fallback, byName);
    }

    @Test
    void exactNameWinsOverWildcardWhichCoversOneLabelOnly() {
        ServerCertificates c = certificates();
        assertSame(exact, c.select("api.example.com"));
        assertSame(exact, c.select("API.EXAMPLE.COM."), "case and a trailing dot do not matter");
        assertSame(wildcard, c.select("www.example.com"));
        assertSame(fallback, c.select("a.b.example.com"), "two labels are not one");
        assertSame(fallback, c.select("example.com"), "the wildcard needs a label");
        assertSame(fallback, c.select("other.test"));
        assertSame(fallback, c.select(null), "no SNI");
    }

    @Test
    void unicodeNamesAreStoredInTheirALabelForm() {
        assertEquals("xn--bcher-kva.example", ServerCertificates.normalise("bücher.example"));
        assertEquals("*.xn--bcher-kva.example", ServerCertificates.normalise("*.bücher.example"));
    }

    @Test
    void malformedNamesAreRefusedWithAReason() {
        for (String bad : new String[] {"", "*", "*.com", "a.*.example.com", "*foo.example.com", "exa mple.com"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ServerCertificates.normalise(bad), bad);
            assertTrue(e.getMessage().startsWith("serverName(\"" + bad + "\")"), e.getMessage());
        }
    }

    @Test
    void aClientContextRefusesServerNamesAndAKeyThatIsNotTheCertificatesIsRefusedAtBuild() {
        SSLException client = assertThrows(SSLException.class, () -> SslWriteContext.forClient()
                .serverName("a.example.com", TestPki.serverKey(), TestPki.serverChain()).build());
        assertTrue(client.getMessage().contains("serverName() chooses a server's certificate"), client.getMessage());

        SSLException mismatch = assertThrows(SSLException.class, () -> SslWriteContext.forServer(
                        TestPki.serverCertPem(), TestPki.serverKeyPem())
                .serverName("a.example.com", TestPki.clientKey(), TestPki.serverChain()).build());
        assertTrue(mismatch.getMessage().contains("does not match the certificate"), mismatch.getMessage());
    }
}
