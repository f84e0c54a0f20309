package io.polarerasure.polar;

/**
 * The run was asked to stop (SIGTERM, Ctrl-C) before this row had its answer: it was not sent, or
 * only attempts that changed nothing were, unless {@link #rowMayHaveLanded()} says otherwise.
 */
public final class StopRequestedException extends RuntimeException implements RowFault {

    private static final long serialVersionUID = 1L;

    private final boolean rowMayHaveLanded;

    StopRequestedException(boolean rowMayHaveLanded) {
        super("stop requested: the row was left without an answer and is sent again when the run resumes");
        this.rowMayHaveLanded = rowMayHaveLanded;
    }

    @Override
    public boolean rowMayHaveLanded() {
        return rowMayHaveLanded;
    }
}
