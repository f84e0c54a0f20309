package io.polarerasure.polar;

import java.time.Instant;
import java.util.Objects;

/**
 * What earlier, interrupted executions of the run sent for a row without recording an answer: such a row is
 * in doubt, and {@link Eraser} looks before it sends again.
 *
 * @param sent        DELETEs those executions sent for the row (0 when unknown)
 * @param firstSentAt when the first of them was sent, by this machine's clock; when {@code exact} is false,
 *                    only a lower bound (the journal was lost: the interrupted chunk began after this moment)
 * @param exact       whether {@code sent} and {@code firstSentAt} come from the journal
 */
public record EarlierAttempts(int sent, Instant firstSentAt, boolean exact) {

    /** A row no earlier execution sent. */
    public static final EarlierAttempts NONE = new EarlierAttempts(0, null, true);

    public EarlierAttempts {
        if (sent < 0) {
            throw new IllegalArgumentException("sent must not be negative, was " + sent);
        }
        if (firstSentAt == null && (sent > 0 || !exact)) {
            throw new IllegalArgumentException("a row in doubt needs the time (or a lower bound) of its first attempt");
        }
    }

    /** DELETEs recorded in the journal of an interrupted execution, the first sent at {@code firstSentAt}. */
    public static EarlierAttempts recorded(int sent, Instant firstSentAt) {
        return new EarlierAttempts(sent, Objects.requireNonNull(firstSentAt, "firstSentAt"), true);
    }

    /** An execution whose journal was lost may have sent the row, not before {@code notBefore}. */
    public static EarlierAttempts unknown(Instant notBefore) {
        return new EarlierAttempts(0, Objects.requireNonNull(notBefore, "notBefore"), false);
    }

    /** True when an earlier attempt may have erased the customer. */
    public boolean inDoubt() {
        return sent > 0 || !exact;
    }
}
