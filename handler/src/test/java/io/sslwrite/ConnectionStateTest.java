package io.sslwrite;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static io.sslwrite.ConnectionState.CLOSED;
import static io.sslwrite.ConnectionState.CLOSE_AFTER_RENEGOTIATION;
import static io.sslwrite.ConnectionState.CLOSING;
import static io.sslwrite.ConnectionState.FAILED;
import static io.sslwrite.ConnectionState.HANDSHAKING;
import static io.sslwrite.ConnectionState.NEW;
import static io.sslwrite.ConnectionState.OPEN;
import static io.sslwrite.ConnectionState.PLAINTEXT;
import static io.sslwrite.ConnectionState.RENEGOTIATING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** DESIGN §4.6, §4.7: the phase of a connection and the transitions written in {@link ConnectionState}. */
class ConnectionStateTest {

    /** The diagram of {@link ConnectionState}'s Javadoc, as data. */
    private static final Map<ConnectionState, Set<ConnectionState>> ALLOWED = Map.of(
            PLAINTEXT, EnumSet.of(NEW, CLOSED, FAILED),
            NEW, EnumSet.of(HANDSHAKING, CLOSED, FAILED),
            HANDSHAKING, EnumSet.of(OPEN, CLOSED, FAILED),
            OPEN, EnumSet.of(RENEGOTIATING, CLOSING, CLOSED, FAILED),
            RENEGOTIATING, EnumSet.of(OPEN, CLOSE_AFTER_RENEGOTIATION, CLOSED, FAILED),
            CLOSE_AFTER_RENEGOTIATION, EnumSet.of(CLOSING, CLOSED, FAILED),
            CLOSING, EnumSet.of(CLOSED, FAILED),
            CLOSED, EnumSet.noneOf(ConnectionState.class),
            FAILED, EnumSet.noneOf(ConnectionState.class));

    @Test
    void everyTransitionIsAllowedExactlyWhenTheDiagramHasIt() {
        for (ConnectionState from : ConnectionState.values()) {
            for (ConnectionState to : ConnectionState.values()) {
                if (ALLOWED.get(from).contains(to)) {
                    assertSame(to, from.moveTo(to), from + " -> " + to);
                } else {
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> from.moveTo(to));
                    assertEquals("connection state " + from + " -> " + to, e.getMessage());
                }
            }
        }
    }

    @Test
    void applicationDataIsWrittenOnlyWhenOpenOrDrainingForClose() {
        for (ConnectionState state : ConnectionState.values()) {
            assertEquals(state == OPEN || state == CLOSING, state.mayWriteApplicationData(), state.name());
        }
    }

    @Test
    void theClosedAndFailedStatesAreTerminalAndTheHandshakingOnesReadOn() {
        for (ConnectionState state : ConnectionState.values()) {
            assertEquals(state == CLOSED || state == FAILED, state.isTerminal(), state.name());
            assertEquals(EnumSet.of(PLAINTEXT, NEW, HANDSHAKING, RENEGOTIATING, CLOSE_AFTER_RENEGOTIATION).contains(state),
                    state.isHandshaking(), state.name());
            assertEquals(state == CLOSING || state == CLOSE_AFTER_RENEGOTIATION, state.isClosing(), state.name());
        }
    }
}
