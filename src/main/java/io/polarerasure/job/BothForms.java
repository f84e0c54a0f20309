package io.polarerasure.job;

import io.polarerasure.input.RequestRow;
import io.polarerasure.input.Visible;
import io.polarerasure.polar.AttemptLog;
import io.polarerasure.polar.EarlierAttempts;
import io.polarerasure.polar.Eraser;
import io.polarerasure.polar.Erasure;
import io.polarerasure.polar.PolarClient;

/**
 * Erases a row's ID in the forms it may be stored in: the trimmed ID (how almost every ID is stored), then, when
 * Polar has no such customer and the file holds the ID with surrounding whitespace, the ID as written: IDs set
 * through Polar's checkout are stored untrimmed, so trimming alone could turn a live customer into a false
 * NOT_FOUND. The detail says which form matched, and the attempts count both. A row in doubt is never sent in its
 * other form: which form the lost attempt carried is not known, and its detail asks for a check by hand instead.
 * Every DELETE is journaled before it is sent. Thread-safe as its eraser and journal are.
 */
final class BothForms {

    /** The dry run's note on a row whose ID the file holds with surrounding whitespace. */
    static final String AS_WRITTEN_PLAN = "would send the trimmed ID, then, if Polar answers 404, the ID as written: ";

    private final Eraser eraser;
    private final RunJournal journal;

    BothForms(Eraser eraser, RunJournal journal) {
        this.eraser = eraser;
        this.journal = journal;
    }

    /**
     * @param withdrawn   DELETEs of earlier executions that changed nothing; this execution's are numbered after them
     * @param lastAttempt set to the number of the last DELETE journaled, for a withdrawal at a stop
     */
    Erasure erase(RequestRow request, EarlierAttempts earlier, int withdrawn, int[] lastAttempt) {
        Erasure trimmed = eraser.erase(request.externalId(), earlier, new Marks(request, withdrawn, lastAttempt));
        if (!request.writtenWithWhitespace()) {
            return trimmed;
        }
        String asWritten = "\"" + Visible.escape(request.asWritten()) + "\"";
        if (trimmed.result() != Erasure.Result.NOT_FOUND || PolarClient.unsendable(request.asWritten()).isPresent()
                || trimmed.inDoubt()) {
            String note = trimmed.result() == Erasure.Result.ERASED
                    ? "matched the trimmed ID (the file holds " + asWritten + ")"
                    : trimmed.result() == Erasure.Result.NOT_FOUND && trimmed.inDoubt()
                            ? "the ID as written, " + asWritten + ", was not sent because an earlier attempt is in"
                                    + " doubt: check that customer by hand"
                            : "";
            return new Erasure(trimmed.result(), trimmed.httpStatus(), trimmed.attempts(),
                    join(note, trimmed.detail()), trimmed.inDoubt());
        }
        int sentBefore = withdrawn + trimmed.attempts();
        Erasure written = eraser.erase(request.asWritten(), EarlierAttempts.NONE,
                new Marks(request, sentBefore, lastAttempt));
        String which = written.result() == Erasure.Result.ERASED
                ? "matched the ID as written, " + asWritten + ", after the trimmed ID answered 404"
                : written.result() == Erasure.Result.NOT_FOUND
                        ? "neither the trimmed ID nor the ID as written, " + asWritten + ", matched a live customer"
                        : "the trimmed ID answered 404; the ID as written, " + asWritten + ", was also sent";
        return new Erasure(written.result(), written.httpStatus(), trimmed.attempts() + written.attempts(),
                join(which, join(trimmed.detail(), written.detail())), written.inDoubt());
    }

    /** Journals each DELETE of the row as SENDING, numbered after {@code before}; keeps the last that left. */
    private final class Marks implements AttemptLog {

        private final RequestRow request;
        private final int before;
        private final int[] lastAttempt;

        Marks(RequestRow request, int before, int[] lastAttempt) {
            this.request = request;
            this.before = before;
            this.lastAttempt = lastAttempt;
        }

        @Override
        public void sending(int attempt, java.time.Instant at) {
            lastAttempt[0] = before + attempt;
            journal.markSending(request.row(), lastAttempt[0], at);
        }

        @Override
        public void unsent(int attempt) {
            lastAttempt[0] = before + attempt - 1;
        }
    }

    private static String join(String first, String second) {
        return first.isEmpty() ? second : second.isEmpty() ? first : first + "; " + second;
    }
}
