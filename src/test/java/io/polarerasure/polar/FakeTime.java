package io.polarerasure.polar;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that only moves when someone sleeps on it: retries, pauses and pacing take no real time. */
final class FakeTime extends Clock implements Sleeper {

    static final Instant START = Instant.parse("2026-06-01T02:00:00Z");

    private final AtomicLong elapsedNanos = new AtomicLong();
    private final List<Duration> sleeps = new CopyOnWriteArrayList<>();

    @Override
    public void sleep(Duration duration) {
        sleeps.add(duration);
        elapsedNanos.addAndGet(duration.toNanos());
    }

    /** Time since {@link #START}. */
    Duration elapsed() {
        return Duration.ofNanos(elapsedNanos.get());
    }

    List<Duration> sleeps() {
        return List.copyOf(sleeps);
    }

    @Override
    public Instant instant() {
        return START.plusNanos(elapsedNanos.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("fixed to UTC");
    }
}
