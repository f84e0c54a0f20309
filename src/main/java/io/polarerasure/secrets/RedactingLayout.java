package io.polarerasure.secrets;

import java.time.Instant;
import java.util.Locale;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.json.JsonMapper;

/**
 * Logback's pattern layout with {@link Redaction} applied to the whole formatted line, message, arguments and stack
 * trace alike, at every level: the safety net under code that should never log a token in the first place. With
 * {@code POLAR_ERASURE_LOG_FORMAT=json} (environment or system property) each line is one JSON object instead, for
 * log shippers: time, level, logger, thread, message and stack trace, written by Jackson and redacted the same way
 * (the values before they are escaped, the finished line after). Configured in {@code logback.xml}.
 */
public final class RedactingLayout extends PatternLayout {

    static final String FORMAT_SETTING = "POLAR_ERASURE_LOG_FORMAT";

    /** Built on first use: Jackson's start-up (about 0.15 s) is for JSON lines only. */
    private static final class Json {
        static final JsonMapper MAPPER = JsonMapper.builder().build();
    }

    private boolean json;

    @Override
    public void start() {
        String format = System.getProperty(FORMAT_SETTING, System.getenv(FORMAT_SETTING));
        json = format != null && format.toLowerCase(Locale.ROOT).equals("json");
        super.start();
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        return json ? jsonLine(event) : Redaction.redact(super.doLayout(event));
    }

    static String jsonLine(ILoggingEvent event) {
        String exception = event.getThrowableProxy() == null ? null
                : Redaction.redact(ThrowableProxyUtil.asString(event.getThrowableProxy()));
        LogLine line = new LogLine(Instant.ofEpochMilli(event.getTimeStamp()).toString(), event.getLevel().toString(),
                event.getLoggerName(), event.getThreadName(), Redaction.redact(event.getFormattedMessage()), exception);
        return Redaction.redact(Json.MAPPER.writeValueAsString(line)) + CoreConstants.LINE_SEPARATOR;
    }

    /** One log line as log shippers read it; {@code exception} is left out when the event has none. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record LogLine(String time, String level, String logger, String thread, String message, String exception) {
    }
}
