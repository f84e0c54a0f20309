package io.polarerasure.polar;

import java.time.Instant;
import java.util.Optional;

/**
 * What the {@link Eraser} is waiting for when it is not sending: a 429 pause, a backoff before a retry, a host it
 * cannot reach. Set by the workers, read by progress lines and the live status file; the latest event wins, and a
 * row that gets its answer clears it. Thread-safe.
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

    private volatile Waiting waiting;

    void waiting(String description, Instant until) {
        waiting = new Waiting(description, Optional.ofNullable(until));
    }

    void sending() {
        waiting = null;
    }

    /** The current wait, or empty while requests go out normally. */
    public Optional<Waiting> current() {
        return Optional.ofNullable(waiting);
    }
}
