package io.polarerasure.job;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;

/**
 * The run cannot write or read its own records (the report, the journal) where it keeps them: the disk is full, a
 * folder is not writable, the database stopped answering. The message names the place and what to fix; the run is
 * resumable (exit 3) once it is fixed.
 */
public final class RunStorageException extends RuntimeException implements OperatorFault {

    private static final long serialVersionUID = 1L;

    RunStorageException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@inheritDoc} Resumable: every committed row is kept, and the same command goes on. */
    @Override
    public int exitCode() {
        return ExitCodes.RESUMABLE;
    }
}
