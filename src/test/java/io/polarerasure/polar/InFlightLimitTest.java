package io.polarerasure.polar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

class InFlightLimitTest {

    private static final Rate POLARS_LIMIT = Rate.parse("500/min");

    @Test
    void follows_littles_law_rate_times_p90_latency_plus_margin() {
        InFlightLimit limit = InFlightLimit.auto(POLARS_LIMIT, 32);
        answer(limit, 100, Duration.ofMillis(400));
        // 500/min x 0.4 s = 3.33 requests in flight; x 1.25 = 4.17, up to 5, plus 2
        assertThat(limit.limit()).isEqualTo(7);

        answer(limit, 100, Duration.ofMillis(1_800));
        // 8.33/s x 1.8 s = 15 in flight; x 1.25 = 18.75, up to 19, plus 2
        assertThat(limit.limit()).isEqualTo(21);
    }

    @Test
    void takes_the_p90_of_recent_latencies_so_that_old_ones_stop_counting() {
        InFlightLimit limit = InFlightLimit.auto(POLARS_LIMIT, 32);
        answer(limit, 45, Duration.ofMillis(100));
        answer(limit, 5, Duration.ofSeconds(2)); // 5 slow answers of the last 50: p90 is still the fast ones
        assertThat(limit.limit()).isEqualTo(InFlightLimit.size(1.0 / POLARS_LIMIT.interval().toNanos(),
                Duration.ofMillis(100).toNanos(), 32));

        answer(limit, InFlightLimit.WINDOW, Duration.ofSeconds(2)); // a slow spell pushes it up
        assertThat(limit.limit()).isEqualTo(23);

        answer(limit, InFlightLimit.WINDOW, Duration.ofMillis(100)); // and it comes back down when it ends
        assertThat(limit.limit()).isEqualTo(4);
    }

    @Test
    void never_above_its_cap_nor_below_one() {
        InFlightLimit capped = InFlightLimit.auto(Rate.parse("100/s"), 32);
        answer(capped, 20, Duration.ofSeconds(30));
        assertThat(capped.limit()).isEqualTo(32);

        assertThat(InFlightLimit.size(1e-12, 1, 32)).isEqualTo(3);
        assertThat(InFlightLimit.size(1e-12, 1, 1)).isEqualTo(1);
        assertThatThrownBy(() -> InFlightLimit.auto(POLARS_LIMIT, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cap must be 1 or more, was 0");
    }

    @Test
    void keeps_four_in_flight_until_the_misconfiguration_breaker_has_seen_enough_answers() {
        InFlightLimit limit = InFlightLimit.auto(POLARS_LIMIT, 32);
        assertThat(limit.limit()).isEqualTo(4);

        answer(limit, InFlightLimit.WARM_UP - 1, Duration.ofSeconds(2));
        assertThat(limit.limit()).as("still warming up").isEqualTo(4);
        answer(limit, 1, Duration.ofSeconds(2));
        assertThat(limit.limit()).isEqualTo(23);
        assertThat(InFlightLimit.auto(POLARS_LIMIT, 2).limit()).as("never above the cap").isEqualTo(2);
    }

    @Test
    void a_request_waits_while_every_permit_is_in_flight_and_goes_when_one_comes_back() throws Exception {
        InFlightLimit limit = InFlightLimit.auto(Rate.parse("1/min"), 1); // one permit
        limit.acquire();
        AtomicBoolean got = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try {
                limit.acquire();
                got.set(true);
                done.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();

        assertThat(done.await(100, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(got).isFalse();
        limit.release(Duration.ofMillis(50));
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(limit.inUse()).isEqualTo(1);
        waiter.join();
    }

    @Test
    void a_waiting_request_gives_up_on_an_interrupt_without_holding_a_permit() throws Exception {
        InFlightLimit limit = InFlightLimit.auto(Rate.parse("1/min"), 1);
        limit.acquire();
        AtomicBoolean interrupted = new AtomicBoolean();
        Thread waiter = new Thread(() -> {
            try {
                limit.acquire();
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        waiter.start();
        waiter.interrupt();
        waiter.join(5_000);

        assertThat(interrupted).isTrue();
        assertThat(limit.inUse()).isEqualTo(1);
    }

    @Test
    void none_limits_nothing() throws Exception {
        for (int i = 0; i < 1_000; i++) {
            InFlightLimit.NONE.acquire();
        }
        assertThat(InFlightLimit.NONE.limit()).isEqualTo(Integer.MAX_VALUE);
    }

    private static void answer(InFlightLimit limit, int times, Duration latency) {
        for (int i = 0; i < times; i++) {
            try {
                limit.acquire();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            limit.release(latency);
        }
    }
}
