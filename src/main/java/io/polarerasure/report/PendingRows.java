package io.polarerasure.report;

/**
 * Where the rows of a run that has not ended stand beyond its report, which holds the rows up to the last
 * checkpoint only: answers kept in the run's journal, requests without a recorded answer, and rows not reached.
 *
 * @param answeredInJournal rows Polar answered after the last checkpoint: kept only in the run's journal, they reach
 *                          the report without being sent again when the run resumes
 * @param sentWithoutAnswer rows whose request was sent with no answer recorded: looked up at Polar on resume
 * @param notYetSent        rows not reached yet: nothing was sent for them
 */
public record PendingRows(long answeredInJournal, long sentWithoutAnswer, long notYetSent) {

    /** Nothing pending: a final report, or a run whose journal could not be read (the page then says less). */
    public static final PendingRows NONE = new PendingRows(0, 0, 0);

    /**
     * @throws IllegalArgumentException if a count is negative
     */
    public PendingRows {
        if (answeredInJournal < 0 || sentWithoutAnswer < 0 || notYetSent < 0) {
            throw new IllegalArgumentException("negative count: " + answeredInJournal + ", " + sentWithoutAnswer
                    + ", " + notYetSent);
        }
    }

    /**
     * What the journal holds of a run with {@code inputRows} rows of which {@code inReport} are in the report;
     * the rest are not yet sent.
     */
    public static PendingRows of(long inputRows, long inReport, long answeredInJournal, long sentWithoutAnswer) {
        return new PendingRows(answeredInJournal, sentWithoutAnswer,
                Math.max(0, inputRows - inReport - answeredInJournal - sentWithoutAnswer));
    }
}
