package io.polarerasure.polar;

import java.time.Duration;

import okhttp3.HttpUrl;

/** Settings for tests against a local server: real backoff values (sleeps are fake), short timeouts. */
final class TestSettings {

    static final Duration READ_TIMEOUT = Duration.ofMillis(250);

    private TestSettings() {
    }

    static PolarSettings of(HttpUrl base, Rate rate, int maxAttempts, int breakerWindow) {
        return new PolarSettings(base.toString(), rate, maxAttempts, Duration.ofMillis(500), Duration.ofSeconds(30),
                Duration.ofSeconds(1), READ_TIMEOUT, Duration.ofSeconds(1), Duration.ofSeconds(2), breakerWindow,
                PolarSettings.DEFAULT_MAX_PAUSE, PolarSettings.DEFAULT_POLAR_VERSION);
    }

    static PolarSettings of(HttpUrl base) {
        return of(base, new Rate(1000, Duration.ofSeconds(1)), 6, 20);
    }
}
