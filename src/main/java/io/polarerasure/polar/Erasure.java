package io.polarerasure.polar;

import java.util.Objects;

/**
 * What happened to one erasure request: the audit's evidence, so it states only what Polar's
 * answers prove. ERASED only ever stands on a 204.
 *
 * @param result     the row's outcome
 * @param httpStatus the status of the last answer received, or null if no attempt got an answer
 * @param attempts   DELETEs actually sent for this row, across all executions of the run (look-ups are not
 *                   counted); 0 only for a row in doubt whose look-up settled it
 * @param detail     what an auditor needs beyond the result (Polar's message, the last error, an
 *                   answer that was lost and may have erased the customer); may be empty
 * @param inDoubt    true when some DELETE of the row may have reached Polar without a definitive answer (a
 *                   timeout, a connection lost after the request was written, a 5xx, an interrupted execution's
 *                   attempt); the detail then says so, whatever the result
 */
public record Erasure(Result result, Integer httpStatus, int attempts, String detail, boolean inDoubt) {

    /** A row none of whose attempts was in doubt. */
    public Erasure(Result result, Integer httpStatus, int attempts, String detail) {
        this(result, httpStatus, attempts, detail, false);
    }

    /** The outcome of a row that was sent. */
    public enum Result {
        /** Polar answered 204: the customer was erased and anonymized. */
        ERASED,
        /** Polar has no live customer with this external ID (never existed, or erased earlier). */
        NOT_FOUND,
        /** Polar rejected the request as malformed (422). */
        REJECTED,
        /**
         * An earlier attempt's answer was lost and a customer created after it now holds the external ID: most
         * likely the requested customer was erased and someone took the freed ID. Left alone for a human.
         */
        REVIEW,
        /** No conclusive answer: retries ran out, or Polar answered something unexpected. */
        FAILED
    }

    public Erasure {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(detail, "detail");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative, was " + attempts);
        }
        if (result == Result.ERASED && !Integer.valueOf(204).equals(httpStatus)) {
            throw new IllegalArgumentException("ERASED needs a 204 answer, the last answer was " + httpStatus);
        }
    }
}
