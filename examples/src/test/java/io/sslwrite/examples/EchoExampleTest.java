package io.sslwrite.examples;

import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.LeakDetectionExtension;
import io.sslwrite.testing.NamedCertificates;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.net.ssl.SSLHandshakeException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The echo example pair: what the client sends comes back byte for byte, and the client checks the host name. */
@ExtendWith(LeakDetectionExtension.class)
class EchoExampleTest {

    @Test
    void fourMebibytesComeBackByteForByte() throws Exception {
        byte[] message = new byte[4 << 20];
        new Random(7).nextBytes(message);
        try (EchoServer server = EchoServer.start(0, null)) {
            byte[] echoed = EchoClient.echo("localhost", server.port(), EchoClient.context(server.caCertificate()),
                    message);
            assertArrayEquals(message, echoed);
        }
    }

    @Test
    void aCertificateForAnotherNameFailsTheClientsHandshake() throws Exception {
        NamedCertificates.Issued other = NamedCertificates.ec("api.example.test");
        SslWriteContext context = SslWriteContext.forServer(other.chainPem(), other.keyPem()).build();
        try (EchoServer server = EchoServer.start(0, context)) {
            Exception e = assertThrows(Exception.class, () -> EchoClient.echo("localhost", server.port(),
                    EchoClient.context(TestPki.caPem().toPath()), new byte[] {1}));
            assertInstanceOf(SSLHandshakeException.class, e, e.toString());
            assertTrue(e.getMessage().contains("localhost"), e.getMessage());
        }
    }
}
