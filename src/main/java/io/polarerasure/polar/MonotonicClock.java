package io.polarerasure.polar;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Wall time read once, then advanced by {@link System#nanoTime()}: pacing and pauses must not
 * jump when NTP steps the system clock during a long run (a backward step would stall the rate
 * limiter for as long as the step). Good enough for HTTP dates, which have one-second precision.
 */
final class MonotonicClock extends Clock {

    private final Instant origin;
    private final long originNanos;
    private final ZoneId zone;

    private MonotonicClock(Instant origin, long originNanos, ZoneId zone) {
        this.origin = origin;
        this.originNanos = originNanos;
        this.zone = zone;
    }

    static MonotonicClock startingNow() {
        return new MonotonicClock(Instant.now(), System.nanoTime(), ZoneOffset.UTC);
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return new MonotonicClock(origin, originNanos, zone);
    }

    @Override
    public Instant instant() {
        return origin.plusNanos(System.nanoTime() - originNanos);
    }
}
