package io.polarerasure.polar;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What one {@link Eraser#erase} call has learnt so far about its row: requests sent and failed, the first attempt
 * in doubt, the customer a look-up found; and the row's detail built from it. Confined to the calling thread.
 */
final class Row {

    private final EarlierAttempts earlier;
    /** DELETEs sent for the row, earlier executions included. */
    int attempts;
    int lookUps;
    /** Requests of this execution (DELETEs and look-ups) that got no conclusive answer. */
    int failures;
    Integer status;
    String lastError = "";
    private String lostAnswer;
    /** When the first DELETE in doubt was sent (or a lower bound), or null while none is. */
    Instant firstLostAt;
    /** The customer the look-up found, created before the first attempt in doubt. */
    UUID target;
    Instant targetCreatedAt;
    boolean lookUpRefused;
    boolean sendAtOnce;
    /** Of {@link #failures}: DELETEs and look-ups, so the detail agrees with the attempts column. */
    int failedDeletes;
    int failedLookUps;
    /** The last request's failure in plain words, or null when it had an HTTP answer. */
    String plainError;
    /** Requests of this execution that failed before they could reach a server. */
    int unreached;
    /** Whether the request just sent got a 429. */
    boolean rateLimitedNow;
    /** When this row first got a 429, or null. */
    Instant firstRateLimitedAt;
    /** Whether the row holds an {@link InFlightLimit} permit, and when its request left (null before). */
    boolean permitHeld;
    Instant requestAt;

    Row(EarlierAttempts earlier) {
        this.earlier = earlier;
        this.attempts = earlier.sent();
        this.firstLostAt = earlier.doubtSince();
    }

    /** A look-up comes before any DELETE once the row is in doubt, unless its customer is known or 403. */
    boolean mustLookUp() {
        return firstLostAt != null && target == null && !lookUpRefused;
    }

    void lost(Instant sentAt, String error) {
        if (lostAnswer == null) {
            lostAnswer = error;
        }
        if (firstLostAt == null) {
            firstLostAt = sentAt;
        }
    }

    /** @param sentAt when the DELETE that failed was sent, or null for a look-up */
    void transportFailed(IOException e, Instant sentAt) {
        lastError = TransportFailure.describe(e);
        // Refused connections and unknown hosts fail before the request leaves; anything else
        // (timeout, dropped connection) may come after Polar committed the erasure.
        if (sentAt != null && !TransportFailure.unreached(e)) {
            lost(sentAt, lastError);
        }
    }

    /** Counts a request that got no conclusive answer; returns how many this execution has had for the row. */
    int failed(boolean lookUp) {
        failures++;
        if (lookUp) {
            failedLookUps++;
        } else {
            failedDeletes++;
        }
        return failures;
    }

    /** What the last request met, for progress lines: its HTTP status, or its failure in plain words. */
    String cause() {
        return plainError != null ? plainError : status != null ? "HTTP " + status : lastError;
    }

    /** "2 DELETEs", "1 DELETE and 1 look-up": the failed requests, each kind counted apart. */
    String failedRequests() {
        String deletes = failedDeletes + " DELETE" + (failedDeletes == 1 ? "" : "s");
        String lookUpCount = failedLookUps + " look-up" + (failedLookUps == 1 ? "" : "s");
        String both = failedLookUps == 0 ? deletes : failedDeletes == 0 ? lookUpCount
                : deletes + " and " + lookUpCount;
        return both + " without a conclusive answer";
    }

    boolean mayHaveLanded() {
        return firstLostAt != null;
    }

    /** Why the row is in doubt and what the look-up did, for its detail; "" when nothing is to say. */
    String doubt() {
        List<String> notes = new ArrayList<>();
        if (earlier.sentByThisRun()) {
            notes.add(earlier.exact()
                    ? "an interrupted execution of this run sent " + earlier.sent() + " attempt"
                            + (earlier.sent() == 1 ? "" : "s") + " (the first at " + earlier.firstSentAt()
                            + ") without recording the answer, so it may have erased the customer"
                    : "an interrupted execution of this run may have sent this row after " + earlier.firstSentAt()
                            + " and its journal was lost: how many attempts it sent is unknown and not counted,"
                            + " and it may have erased the customer");
        }
        if (earlier.original() != null) {
            EarlierAttempts.OriginalDoubt original = earlier.original();
            notes.add("the original run's report" + (original.report().isEmpty() ? "" : " " + original.report())
                    + " has this row in doubt since " + original.since() + " (in_doubt_since in the retry file):"
                    + " a DELETE that run sent may have erased the customer; its attempts are not counted here");
        }
        if (lostAnswer != null) {
            notes.add("an earlier attempt's answer was lost (" + lostAnswer
                    + "), so that attempt may have erased the customer");
        }
        if (lookUps > 0) {
            notes.add(lookUps + " look-up" + (lookUps == 1 ? "" : "s") + " by external ID (not counted in"
                    + " attempts)");
        }
        if (target != null) {
            notes.add("the look-up found the customer created at " + targetCreatedAt + ", before the first"
                    + " attempt in doubt, so that attempt did not take effect; erased by its Polar id " + target);
        }
        if (lookUpRefused) {
            notes.add("the look-up was refused (403), so the row was sent again by external ID, which may have"
                    + " erased a customer who took the ID after the lost attempt");
        }
        return String.join("; ", notes);
    }

    Erasure result(Erasure.Result result, Integer httpStatus, String detail) {
        return new Erasure(result, httpStatus, attempts, detail, mayHaveLanded());
    }

    String withDoubt(String detail) {
        String doubt = doubt();
        return doubt.isEmpty() ? detail : detail + "; " + doubt;
    }
}
