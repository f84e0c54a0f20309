package io.polarerasure.polar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PolarSettingsTest {

    private static final Rate RATE = Rate.parse("300/min");

    @Test
    void fills_in_defaults() {
        PolarSettings settings = PolarSettings.defaults("https://api.polar.sh", RATE, 6);

        assertThat(settings.initialBackoff()).isEqualTo(Duration.ofMillis(500));
        assertThat(settings.maxBackoff()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.breakerWindow()).isEqualTo(PolarSettings.DEFAULT_BREAKER_WINDOW);
        assertThat(PolarSettings.defaults("https://sandbox-api.polar.sh/", RATE, 1).baseUrl())
                .isEqualTo("https://sandbox-api.polar.sh/");
    }

    @ParameterizedTest
    @ValueSource(strings = {"api.polar.sh", "ftp://api.polar.sh", "https://api.polar.sh/v1",
            "https://api.polar.sh/v1/customers", "https://api.polar.sh?x=1", "https://user:pw@api.polar.sh", ""})
    void rejects_a_base_url_that_is_not_just_a_host(String url) {
        assertThatThrownBy(() -> PolarSettings.defaults(url, RATE, 6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("baseUrl must");
    }

    @Test
    void names_the_field_of_a_bad_value() {
        assertThatThrownBy(() -> PolarSettings.defaults("https://api.polar.sh", RATE, 0))
                .hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> PolarSettings.defaults("https://api.polar.sh", null, 6)).hasMessageContaining("rate");
        assertThatThrownBy(() -> with(Duration.ZERO, Duration.ofSeconds(30), Duration.ofSeconds(30), 20))
                .hasMessageContaining("initialBackoff");
        assertThatThrownBy(() -> with(Duration.ofNanos(5), Duration.ofSeconds(30), Duration.ofSeconds(30), 20))
                .hasMessageContaining("initialBackoff must be at least 1 ms");
        assertThatThrownBy(() -> with(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(30), 20))
                .hasMessageContaining("maxBackoff");
        assertThatThrownBy(() -> with(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(-1), 20))
                .hasMessageContaining("readTimeout");
        assertThatThrownBy(() -> with(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30), 0))
                .hasMessageContaining("breakerWindow");
    }

    private static PolarSettings with(Duration initialBackoff, Duration maxBackoff, Duration readTimeout,
                                      int breakerWindow) {
        Duration ok = Duration.ofSeconds(10);
        return new PolarSettings("https://api.polar.sh", RATE, 6, initialBackoff, maxBackoff, ok, readTimeout, ok, ok,
                breakerWindow, PolarSettings.DEFAULT_MAX_PAUSE, PolarSettings.DEFAULT_POLAR_VERSION);
    }
}
