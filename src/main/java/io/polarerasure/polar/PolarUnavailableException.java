package io.polarerasure.polar;

/**
 * Polar is plainly down: most recent rows failed even after retries. The run stops as resumable
 * instead of marking every remaining row FAILED; rows already answered keep their results.
 */
public final class PolarUnavailableException extends RuntimeException implements RowFault {

    private static final long serialVersionUID = 1L;

    private final boolean rowMayHaveLanded;

    PolarUnavailableException(String message) {
        this(message, false, null);
    }

    private PolarUnavailableException(String message, boolean rowMayHaveLanded, Throwable cause) {
        super(message, cause);
        this.rowMayHaveLanded = rowMayHaveLanded;
    }

    /** The same fault for a row of which an attempt lost its answer, so it must not be treated as untouched. */
    PolarUnavailableException forRowInDoubt() {
        return new PolarUnavailableException(getMessage(), true, this);
    }

    @Override
    public boolean rowMayHaveLanded() {
        return rowMayHaveLanded;
    }
}
