package io.polarerasure.secrets;

import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Gives every test the logging and redaction state a fresh JVM has: the tokens an earlier test protected are
 * forgotten, and when a test changed Logback's configuration (a command's Spring context applies its own levels and
 * makes new appenders, bound to whatever {@code System.out} was then) it is read again from logback-test.xml.
 * Registered for every test through {@code META-INF/services} and {@code junit-platform.properties}.
 */
public final class ResetLoggingAndRedaction implements AfterEachCallback {

    /** The configuration as logback-test.xml makes it: each logger's level, then the root's appenders. */
    private static List<Object> configured;

    @Override
    public void afterEach(ExtensionContext context) throws JoranException {
        Redaction.forgetProtected();
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        synchronized (ResetLoggingAndRedaction.class) {
            if (configured == null || !state(logging).equals(configured)) {
                logging.reset();
                new ContextInitializer(logging).autoConfig();
                configured = state(logging);
            }
        }
    }

    private static List<Object> state(LoggerContext logging) {
        List<Object> state = new ArrayList<>();
        for (Logger logger : logging.getLoggerList()) {
            if (logger.getLevel() != null) {
                state.add(logger.getName() + "=" + logger.getLevel());
            }
        }
        Logger root = logging.getLogger(Logger.ROOT_LOGGER_NAME);
        root.iteratorForAppenders().forEachRemaining(state::add);
        return state;
    }
}
