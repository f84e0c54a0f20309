package io.polarerasure.polar;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the {@link Eraser} is waiting for when it is not sending: a 429 pause, a backoff before a retry, a host it
 * cannot reach. Set by the workers, read by progress lines and the live status file. A 429 pause concerns every
 * worker, so it is shown until it ends, whatever rows settle meanwhile (requests sent before it still get their
 * answers); otherwise the latest wait wins, and a row that gets its answer clears it. Thread-safe.
 */
public final class SendingState {

    /**
     * One wait, in words for people.
     *
     * @param description e.g. {@code "paused 60 s for Polar's rate limit (429)"}
     * @param until       when sending resumes, if known
     */
    public record Waiting(String description, Optional<Instant> until) {
    }

    private final Clock clock;
    private volatile Waiting waiting;
    private volatile Waiting pause;

    /** @param clock the clock the waits' ends are given in */
    SendingState(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    void waiting(String description, Instant until) {
        waiting = new Waiting(description, Optional.ofNullable(until));
    }

    /** Every worker pauses until {@code until}; a pause ending earlier than one already shown changes nothing. */
    synchronized void paused(String description, Instant until) {
        Waiting current = pause;
        if (current == null || until.isAfter(current.until().orElseThrow())) {
            pause = new Waiting(description, Optional.of(until));
        }
    }

    void sending() {
        waiting = null;
    }

    /** The current wait, or empty while requests go out normally: a 429 pause that has not ended comes first. */
    public Optional<Waiting> current() {
        Waiting paused = pause;
        if (paused != null && clock.instant().isBefore(paused.until().orElseThrow())) {
            return Optional.of(paused);
        }
        return Optional.ofNullable(waiting);
    }
}
