package io.polarerasure.job;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;
import io.polarerasure.polar.RowFault;

/** This process no longer surely holds the run's {@link RunLease}: it sends and commits nothing more. */
public final class LeaseLostException extends RuntimeException implements RowFault, OperatorFault {

    private static final long serialVersionUID = 1L;

    /** {@inheritDoc} Resumable once the lease can be taken again. */
    @Override
    public int exitCode() {
        return ExitCodes.RESUMABLE;
    }

    private final boolean rowMayHaveLanded;

    LeaseLostException(String why, boolean rowMayHaveLanded) {
        super("lost the run's lease in the job repository: " + why + ". Nothing more was sent or committed;"
                + " re-run the same command (on any host) to resume");
        this.rowMayHaveLanded = rowMayHaveLanded;
    }

    @Override
    public boolean rowMayHaveLanded() {
        return rowMayHaveLanded;
    }
}
