package io.polarerasure.secrets;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback's pattern layout with {@link Redaction} applied to the whole formatted line, message, arguments and stack
 * trace alike, at every level: the safety net under code that should never log a token in the first place.
 * Configured in {@code logback.xml}.
 */
public final class RedactingLayout extends PatternLayout {

    @Override
    public String doLayout(ILoggingEvent event) {
        return Redaction.redact(super.doLayout(event));
    }
}
