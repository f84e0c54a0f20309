package io.polarerasure.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

class RedactingLayoutJsonTest {

    @Test
    void writes_one_json_object_per_line_with_tokens_masked() {
        String token = "polar_oat_" + "Ab1".repeat(15);
        LoggerContext context = new LoggerContext();
        LoggingEvent event = new LoggingEvent("test", context.getLogger("io.polarerasure.Test"), Level.WARN,
                "answer \"{}\" with {}", new IllegalStateException("boom " + token), new Object[] {"a\nb", token});
        event.setTimeStamp(0);
        event.setThreadName("main");

        String line = RedactingLayout.jsonLine(event);

        assertThat(line).startsWith("{\"time\":\"1970-01-01T00:00:00Z\",\"level\":\"WARN\","
                + "\"logger\":\"io.polarerasure.Test\",\"thread\":\"main\",\"message\":\"answer \\\"a\\nb\\\" with ")
                .contains("\"exception\":\"java.lang.IllegalStateException: boom ")
                .endsWith("}" + System.lineSeparator())
                .doesNotContain(token);
        assertThat(line.strip()).doesNotContain("\n");
    }
}
