package io.polarerasure.polar;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paces every request of the run, retries included, and turns Polar's 429 into a pause of all
 * workers. Polar's budget is shared with the merchant's live checkout, so the run stays under its
 * rate in every window and slows down for good when 429s keep coming. Thread-safe.
 */
final class Throttle {

    /** Polar's window is a minute, and its 429 says 60 even when less of the window is left. */
    static final Duration DEFAULT_PAUSE = Duration.ofSeconds(60);
    /** Repeated 429s halve the rate, but never below an eighth of the configured one. */
    private static final int MAX_SLOWDOWN = 8;

    private static final Logger log = LoggerFactory.getLogger(Throttle.class);

    private final Rate configured;
    private final Clock clock;
    private final Sleeper sleeper;
    private volatile Pace pace;
    private volatile long pausedUntil;
    private int rateLimitEvents;

    Throttle(Rate configured, Clock clock, Sleeper sleeper) {
        this.configured = configured;
        this.clock = clock;
        this.sleeper = sleeper;
        this.pace = pace(configured);
        this.pausedUntil = now();
    }

    /** Waits until no 429 pause is on and this worker's slot at the current rate has come. */
    void awaitTurn() throws InterruptedException {
        while (true) {
            for (long left = pauseLeft(); left > 0; left = pauseLeft()) {
                sleeper.sleep(Duration.ofNanos(left));
            }
            long wait = pace.reserve(now());
            if (wait > 0) {
                sleeper.sleep(Duration.ofNanos(wait));
            }
            if (pauseLeft() <= 0) {
                return;
            }
            // A 429 came in while this worker waited for its slot: wait the pause out and queue
            // again, or every worker would fire at once the moment it ends.
        }
    }

    /** Polar answered 429: pause all workers; if this keeps happening, lower the rate for good. */
    synchronized void rateLimited(Optional<Duration> retryAfter) {
        long now = now();
        // 429s that arrive during a pause answer requests sent before it began: the same event.
        boolean sameEvent = now < pausedUntil;
        Duration pause = retryAfter.orElse(DEFAULT_PAUSE);
        pausedUntil = Math.max(pausedUntil, now + pause.toNanos());
        if (sameEvent) {
            return;
        }
        log.info("Polar answered 429 (rate limit): pausing all requests for {} s", pause.toSeconds());
        if (++rateLimitEvents > 1) {
            Rate slower = pace.rate().halved();
            if (slower.interval().compareTo(configured.interval().multipliedBy(MAX_SLOWDOWN)) <= 0) {
                log.warn("Polar keeps answering 429: lowering the request rate from {} to {} for the rest of the run",
                        pace.rate(), slower);
                pace = pace(slower);
            }
        }
    }

    /** The rate requests are paced at now: the configured one, or lower after repeated 429s. */
    Rate currentRate() {
        return pace.rate();
    }

    private long pauseLeft() {
        return pausedUntil - now();
    }

    private long now() {
        Instant instant = clock.instant();
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private Pace pace(Rate rate) {
        return new Pace(rate, rate.interval().toNanos(), new AtomicLong(Long.MIN_VALUE));
    }

    /**
     * Hands out send slots one interval apart, each never earlier than the one before plus an
     * interval, whatever the idle time in between (the "virtual scheduling" form of the generic cell
     * rate algorithm). Resilience4j's RateLimiter paces by fixed cycles instead: after an idle gap,
     * such as a chunk boundary, its free permit is taken mid-cycle and the next comes at the cycle's
     * end, so two requests could leave almost together and a window held one more than its share.
     * A lower rate is a fresh Pace, whose first slot is the first request after the pause.
     */
    private record Pace(Rate rate, long intervalNanos, AtomicLong nextSlot) {

        /** Reserves the next slot; returns how many nanoseconds from {@code now} it begins. */
        long reserve(long now) {
            long next = nextSlot.accumulateAndGet(now, (previous, time) -> Math.max(previous, time) + intervalNanos);
            return next - intervalNanos - now;
        }
    }
}
