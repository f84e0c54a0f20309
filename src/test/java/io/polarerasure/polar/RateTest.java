package io.polarerasure.polar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class RateTest {

    @Test
    void parses_per_minute_and_per_second() {
        assertThat(Rate.parse("300/min")).isEqualTo(new Rate(300, Duration.ofMinutes(1)));
        assertThat(Rate.parse(" 20 / s ")).isEqualTo(new Rate(20, Duration.ofSeconds(1)));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "300", "300/h", "300/minute", "0/min", "-5/s", "1.5/s", "abc/min", "9999999999/s"})
    void rejects_anything_else_with_a_clear_message(String text) {
        assertThatThrownBy(() -> Rate.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rate");
    }

    @Test
    void spaces_requests_evenly_and_rounds_the_interval_up() {
        assertThat(Rate.parse("300/min").interval()).isEqualTo(Duration.ofMillis(200));
        assertThat(Rate.parse("7/s").interval()).isEqualTo(Duration.ofNanos(142_857_143));
    }

    @Test
    void prints_a_parsed_rate_as_the_operator_wrote_it() {
        assertThat(Rate.parse(" 0300 / min ")).hasToString("0300 / min").isEqualTo(Rate.parse("300/min"));
        assertThat(Rate.parse("5/s")).hasToString("5/s");
    }

    @Test
    void prints_readably() {
        assertThat(new Rate(5, Duration.ofSeconds(2))).hasToString("5/2s");
        assertThat(new Rate(1, Duration.ofSeconds(90))).hasToString("1/90s");
    }
}
