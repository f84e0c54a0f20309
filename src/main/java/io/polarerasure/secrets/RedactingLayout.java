package io.polarerasure.secrets;

import java.time.Instant;
import java.util.Locale;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;

import io.polarerasure.report.Json;

/**
 * Logback's pattern layout with {@link Redaction} applied to the whole formatted line, message, arguments and stack
 * trace alike, at every level: the safety net under code that should never log a token in the first place. With
 * {@code POLAR_ERASURE_LOG_FORMAT=json} (environment or system property) each line is one JSON object instead, for
 * log shippers: time, level, logger, thread, message and stack trace, redacted the same way. Configured in
 * {@code logback.xml}.
 */
public final class RedactingLayout extends PatternLayout {

    static final String FORMAT_SETTING = "POLAR_ERASURE_LOG_FORMAT";

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
        StringBuilder line = new StringBuilder(256)
                .append("{\"time\":").append(Json.quote(Instant.ofEpochMilli(event.getTimeStamp()).toString()))
                .append(",\"level\":").append(Json.quote(event.getLevel().toString()))
                .append(",\"logger\":").append(Json.quote(event.getLoggerName()))
                .append(",\"thread\":").append(Json.quote(event.getThreadName()))
                .append(",\"message\":").append(Json.quote(Redaction.redact(event.getFormattedMessage())));
        if (event.getThrowableProxy() != null) {
            line.append(",\"exception\":")
                    .append(Json.quote(Redaction.redact(ThrowableProxyUtil.asString(event.getThrowableProxy()))));
        }
        return line.append('}').append(CoreConstants.LINE_SEPARATOR).toString();
    }
}
