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

    /**
     * The DELETE just told about did not leave: no connection could be made (refused, unknown host, failed TLS
     * handshake). Its number is used again by the next DELETE of the row. The SENDING mark may stay: a crash then
     * resumes the row in doubt, which errs on the safe side; a stop withdraws only the DELETEs that left.
     *
     * @param attempt the number given to {@link #sending} for it
     */
    default void unsent(int attempt) {
    }
}
