package io.polarerasure.polar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class SleeperTest {

    @Test
    void a_short_wait_lasts_at_least_its_duration() throws InterruptedException {
        long start = System.nanoTime();

        Sleeper.system().sleep(Duration.ofNanos(50_000));

        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(50_000);
    }

    @Test
    void a_short_wait_gives_up_when_interrupted() {
        Thread.currentThread().interrupt();

        assertThatThrownBy(() -> Sleeper.system().sleep(Duration.ofNanos(90_000)))
                .isInstanceOf(InterruptedException.class);
        assertThat(Thread.interrupted()).isFalse();
    }
}
