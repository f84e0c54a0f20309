package io.polarerasure.polar;

import java.time.Duration;

import okhttp3.HttpUrl;

/** Settings for tests against a local server: real backoff values (sleeps are fake), short timeouts. */
final class TestSettings {

    static final Duration READ_TIMEOUT = Duration.ofMillis(250);

    private TestSettings() {
    }

    static PolarSettings of(HttpUrl base, Rate rate, int maxAttempts, int breakerWindow) {
        return of(base, rate, maxAttempts, breakerWindow, READ_TIMEOUT);
    }

    /** As {@link #of(HttpUrl, Rate, int, int)}, for a test whose server holds an answer back on purpose. */
    static PolarSettings of(HttpUrl base, Rate rate, int maxAttempts, int breakerWindow, Duration readTimeout) {
        return new PolarSettings(base.toString(), rate, maxAttempts, Duration.ofMillis(500), Duration.ofSeconds(30),
                Duration.ofSeconds(1), readTimeout, Duration.ofSeconds(1), callTimeout(readTimeout),
                breakerWindow, PolarSettings.DEFAULT_MAX_PAUSE, PolarSettings.DEFAULT_POLAR_VERSION);
    }

    /** Two seconds, or twice the read timeout if that is longer. */
    private static Duration callTimeout(Duration readTimeout) {
        Duration twice = readTimeout.multipliedBy(2);
        return twice.compareTo(Duration.ofSeconds(2)) > 0 ? twice : Duration.ofSeconds(2);
    }

    static PolarSettings of(HttpUrl base) {
        return of(base, new Rate(1000, Duration.ofSeconds(1)), 6, 20);
    }
}
