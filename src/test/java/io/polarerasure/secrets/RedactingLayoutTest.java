package io.polarerasure.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;

/** The logging safety net, through the project's real logback.xml: whatever code logs, no token is printed. */
class RedactingLayoutTest {

    // Built at run time: a literal shaped like a Polar token would trip secret scanning.
    private static final String SHAPED = "polar_pat_" + "k9Q".repeat(10);
    private static final String CONFIGURED = "plain-token-" + "x1".repeat(8);
    private static final String LEAKY = "io.polarerasure.secrets.leaky";

    @AfterEach
    void resetLoggingAndTokens() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(LEAKY)).setLevel(null);
        Redaction.forgetProtected();
    }

    @Test
    void masks_tokens_in_messages_arguments_and_stack_traces_at_every_level() {
        Redaction.protect(CONFIGURED);
        Logger log = LoggerFactory.getLogger(LEAKY);
        ((ch.qos.logback.classic.Logger) log).setLevel(Level.TRACE);

        String printed = captureStdout(() -> {
            log.trace("Authorization: Bearer {}", SHAPED);
            log.debug("sent " + CONFIGURED);
            log.info("{} and {}", CONFIGURED, SHAPED);
            log.warn("failed", new IOException("token " + SHAPED, new IllegalStateException(CONFIGURED)));
            log.error("failed: {}", SHAPED, new IllegalArgumentException(SHAPED));
        });

        assertThat(printed).contains("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "IllegalStateException")
                .contains("Bearer [redacted]", "sent [redacted]", "[redacted] and [redacted]")
                .doesNotContain(SHAPED).doesNotContain(CONFIGURED).doesNotContain("k9Qk9Q");
    }

    @Test
    void redact_masks_every_polar_token_kind_and_leaves_other_text_alone() {
        for (String kind : new String[] {"oat", "pat", "at_u", "at_o", "rt"}) {
            String token = "polar_" + kind + "_" + "aB3".repeat(15);
            assertThat(Redaction.redact("a " + token + ".")).isEqualTo("a [redacted].");
        }
        assertThat(Redaction.redact("polar_oat_short and polar-sh")).isEqualTo("polar_oat_short and polar-sh");
    }

    private static String captureStdout(Runnable logging) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            logging.run();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
