package io.polarerasure.polar;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;

/**
 * Polar is plainly down: most recent rows failed even after retries. The run stops as resumable
 * instead of marking every remaining row FAILED; rows already answered keep their results.
 */
public final class PolarUnavailableException extends RuntimeException implements RowFault, OperatorFault {

    private static final long serialVersionUID = 1L;

    /** {@inheritDoc} Resumable: re-running the same command goes on. */
    @Override
    public int exitCode() {
        return ExitCodes.RESUMABLE;
    }

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
