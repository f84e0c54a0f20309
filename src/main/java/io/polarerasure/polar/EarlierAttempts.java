package io.polarerasure.polar;

import java.time.Instant;
import java.util.Objects;

/**
 * What earlier attempts may have done to a row without an answer on record: DELETEs that interrupted executions of
 * this run sent, and the doubt an original run's report carried over by a retry file. Such a row is in doubt, and
 * {@link Eraser} looks before it sends again.
 *
 * @param sent        DELETEs those executions sent for the row (0 when unknown)
 * @param firstSentAt when the first of them was sent, by this machine's clock; when {@code exact} is false,
 *                    only a lower bound (the journal was lost: the interrupted chunk began after this moment); null
 *                    when no execution of this run sent the row
 * @param exact       whether {@code sent} and {@code firstSentAt} come from the journal
 * @param original    the doubt the original run's report records for the row of a retry file, or null
 */
public record EarlierAttempts(int sent, Instant firstSentAt, boolean exact, OriginalDoubt original) {

    /** A row no earlier execution sent. */
    public static final EarlierAttempts NONE = new EarlierAttempts(0, null, true);

    /**
     * The doubt a retry file carries from the original run's report (its {@code in_doubt_since} column): a DELETE
     * of that run may have landed, none sent before {@code since}.
     *
     * @param report the original report's file name, "" when the retry file does not say
     * @param since  a lower bound of the original run's first DELETE in doubt
     */
    public record OriginalDoubt(String report, Instant since) {

        public OriginalDoubt {
            Objects.requireNonNull(report, "report");
            Objects.requireNonNull(since, "since");
        }
    }

    public EarlierAttempts {
        if (sent < 0) {
            throw new IllegalArgumentException("sent must not be negative, was " + sent);
        }
        if (firstSentAt == null && (sent > 0 || !exact)) {
            throw new IllegalArgumentException("a row in doubt needs the time (or a lower bound) of its first attempt");
        }
    }

    /** What executions of this run sent, with no doubt carried from an original report. */
    public EarlierAttempts(int sent, Instant firstSentAt, boolean exact) {
        this(sent, firstSentAt, exact, null);
    }

    /** DELETEs recorded in the journal of an interrupted execution, the first sent at {@code firstSentAt}. */
    public static EarlierAttempts recorded(int sent, Instant firstSentAt) {
        return new EarlierAttempts(sent, Objects.requireNonNull(firstSentAt, "firstSentAt"), true);
    }

    /** An execution whose journal was lost may have sent the row, not before {@code notBefore}. */
    public static EarlierAttempts unknown(Instant notBefore) {
        return new EarlierAttempts(0, Objects.requireNonNull(notBefore, "notBefore"), false);
    }

    /**
     * These attempts, and the doubt the original run's report records for the row of a retry file.
     *
     * @param report the original report's file name, "" when unknown
     * @param since  the retry file's {@code in_doubt_since} for the row
     */
    public EarlierAttempts withOriginalDoubt(String report, Instant since) {
        return new EarlierAttempts(sent, firstSentAt, exact, new OriginalDoubt(report, since));
    }

    /** Whether an execution of this run may have erased the customer (its journal says so, or was lost). */
    public boolean sentByThisRun() {
        return sent > 0 || !exact;
    }

    /** True when an earlier attempt, of this run or of the original one, may have erased the customer. */
    public boolean inDoubt() {
        return sentByThisRun() || original != null;
    }

    /** The earliest moment an attempt in doubt may have been sent, or null when none is in doubt. */
    public Instant doubtSince() {
        if (original == null) {
            return sentByThisRun() ? firstSentAt : null;
        }
        return sentByThisRun() && firstSentAt.isBefore(original.since()) ? firstSentAt : original.since();
    }
}
