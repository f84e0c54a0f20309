package io.polarerasure.polar;

import java.time.Instant;

/**
 * Told about each DELETE of a row just before it is sent, so that a crash cannot hide it: the job journals
 * it outside the chunk transaction. Called on the worker's thread; an exception stops the DELETE from going.
 */
@FunctionalInterface
public interface AttemptLog {

    /** Keeps nothing. */
    AttemptLog NONE = (attempt, at) -> { };

    /**
     * @param attempt the DELETE's number for the row, counted across all executions of the run (1 first)
     * @param at      when it is sent, by the Eraser's clock
     */
    void sending(int attempt, Instant at);
}
