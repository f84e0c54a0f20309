package io.polarerasure.polar;

import java.util.Objects;

/**
 * What happened to one erasure request: the audit's evidence, so it states only what Polar's
 * answers prove. ERASED only ever stands on a 204.
 *
 * @param result     the row's outcome
 * @param httpStatus the status of the last answer received, or null if no attempt got an answer
 * @param attempts   requests actually sent for this row in this run
 * @param detail     what an auditor needs beyond the result (Polar's message, the last error, an
 *                   answer that was lost and may have erased the customer); may be empty
 */
public record Erasure(Result result, Integer httpStatus, int attempts, String detail) {

    /** The outcome of a row that was sent. */
    public enum Result {
        /** Polar answered 204: the customer was erased and anonymized. */
        ERASED,
        /** Polar has no live customer with this external ID (never existed, or erased earlier). */
        NOT_FOUND,
        /** Polar rejected the request as malformed (422). */
        REJECTED,
        /** No conclusive answer: retries ran out, or Polar answered something unexpected. */
        FAILED
    }

    public Erasure {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(detail, "detail");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be 1 or more, was " + attempts);
        }
        if (result == Result.ERASED && !Integer.valueOf(204).equals(httpStatus)) {
            throw new IllegalArgumentException("ERASED needs a 204 answer, the last answer was " + httpStatus);
        }
    }
}
