package io.polarerasure.job;

import java.time.Instant;

import io.polarerasure.input.RequestRow;
import io.polarerasure.input.RetryOrigin;
import io.polarerasure.polar.EarlierAttempts;
import io.polarerasure.polar.RowFault;
import io.polarerasure.report.AuditLine;

/**
 * What earlier executions of the run (its journal) and, for a retry file's row, an earlier run say about a row
 * that is to be sent: its answer, if one was recorded (it is not sent again); whether a request for it may have
 * landed without a recorded answer (then the eraser looks the ID up before it sends anything, see
 * {@link EarlierAttempts}); and how many of its DELETEs provably changed nothing and still count.
 *
 * @param answered    the answer an earlier execution recorded, or null
 * @param interrupted whether a request was sent without a recorded answer: a crash lost it, it may have landed
 * @param withdrawn   DELETEs of earlier executions that changed nothing (429s before a stop); this execution's
 *                    are numbered after them
 * @param earlier     what the eraser is told of earlier requests, {@link EarlierAttempts#NONE} when none can
 *                    have landed
 */
record EarlierSends(AuditLine answered, boolean interrupted, int withdrawn, EarlierAttempts earlier) {

    /**
     * @param known            the journal's entry for the row, or null
     * @param uncommittedSince no row after the checkpoint was sent before this
     *                         ({@link ErasureProcessor#UNCOMMITTED_SINCE}): when a lost journal's rows were sent at
     *                         the earliest
     */
    static EarlierSends of(RequestRow request, OutcomeJournal.Entry known, Instant uncommittedSince) {
        if (known != null && known.line() != null) {
            return new EarlierSends(known.line(), false, 0, EarlierAttempts.NONE);
        }
        // A SENDING mark without an outcome: a crash lost the answer of a request that may have landed.
        boolean interrupted = known != null && known.sending();
        // DELETEs of an earlier execution that provably changed nothing (429s before a stop): counted, not in doubt.
        int withdrawn = known != null && known.isWithdrawn() ? known.attempts() : 0;
        EarlierAttempts earlier = withDoubtFromFile(request, !interrupted ? EarlierAttempts.NONE
                : known.firstSentAt() != null ? EarlierAttempts.recorded(known.attempts(), known.firstSentAt())
                : new EarlierAttempts(known.attempts(), uncommittedSince, false));
        return new EarlierSends(null, interrupted, withdrawn, earlier);
    }

    /**
     * A retry file's row in doubt (an earlier run's DELETE of it may have landed) is in doubt here too, since the
     * earlier of the file's time and this run's own: the eraser then looks the ID up before it sends anything, and
     * leaves a customer created since to a person.
     */
    static EarlierAttempts withDoubtFromFile(RequestRow request, EarlierAttempts journaled) {
        RetryOrigin origin = request.origin();
        if (origin == null || origin.inDoubtSince() == null) {
            return journaled;
        }
        return journaled.withOriginalDoubt(origin.originalReport(), origin.inDoubtSince());
    }

    /**
     * Whether the row's SENDING marks are withdrawn after this failure of the whole run (refused credentials or
     * route, Polar down, a stop request): only when no attempt's answer was lost, so that nothing changed and the
     * row is sent on resume as if new. Never after the lease was lost: that process writes nothing more to the
     * run's journal.
     */
    boolean withdrawsAfter(RuntimeException e) {
        return e instanceof RowFault fault && !interrupted && !fault.rowMayHaveLanded()
                && !(e instanceof LeaseLostException);
    }
}
