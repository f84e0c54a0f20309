package io.polarerasure.job;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;

/** The invocation contradicts the file's recorded run (another report, another ID column). Nothing was sent. */
public final class RunConflictException extends RuntimeException implements OperatorFault {

    private static final long serialVersionUID = 1L;

    /** {@inheritDoc} Refused before anything was sent. */
    @Override
    public int exitCode() {
        return ExitCodes.USAGE;
    }

    RunConflictException(String message) {
        super(message);
    }
}
