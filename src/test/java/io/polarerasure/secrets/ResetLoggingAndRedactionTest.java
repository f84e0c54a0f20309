package io.polarerasure.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

/** What one test leaves in the logging and redaction state, the next does not see (ResetLoggingAndRedaction). */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ResetLoggingAndRedactionTest {

    private static final String TOKEN = "plain-token-" + "r3".repeat(8);
    private static final String OTHER = "org.example.leaky";

    @Test
    @Order(1)
    void a_test_protects_a_token_and_changes_levels() {
        Redaction.protect(TOKEN);
        ((Logger) LoggerFactory.getLogger(OTHER)).setLevel(Level.OFF);
        ((Logger) LoggerFactory.getLogger("io.polarerasure")).setLevel(Level.OFF);
        assertThat(Redaction.redact(TOKEN)).isEqualTo(Redaction.MASK);
    }

    @Test
    @Order(2)
    void the_next_test_sees_no_protected_token_and_the_levels_of_logback_test_xml() {
        assertThat(Redaction.redact(TOKEN)).isEqualTo(TOKEN);
        assertThat(((Logger) LoggerFactory.getLogger(OTHER)).getLevel()).isNull();
        assertThat(((Logger) LoggerFactory.getLogger("io.polarerasure")).getLevel()).isEqualTo(Level.INFO);
    }
}
