package io.polarerasure.cli;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;

/** A problem the operator must fix before anything is sent; exit code 2. The message says what to do. */
final class UsageException extends RuntimeException implements OperatorFault {

    private static final long serialVersionUID = 1L;

    /** {@inheritDoc} Found before anything was sent: nothing was sent. */
    @Override
    public int exitCode() {
        return ExitCodes.USAGE;
    }

    UsageException(String message) {
        super(message);
    }
}
