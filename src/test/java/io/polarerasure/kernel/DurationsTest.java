package io.polarerasure.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void an_instant_reads_in_utc_to_the_second_and_says_so() {
        assertThat(Durations.utc(Instant.parse("2026-11-28T02:30:59.999Z"))).isEqualTo("2026-11-28 02:30:59 UTC");
    }
}
