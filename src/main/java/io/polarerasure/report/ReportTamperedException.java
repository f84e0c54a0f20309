package io.polarerasure.report;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;

/** The report on disk no longer matches what this run committed to it; resuming would corrupt it. */
public final class ReportTamperedException extends RuntimeException implements OperatorFault {

    private static final long serialVersionUID = 1L;

    /** {@inheritDoc} The run cannot go on until the report is put back; nothing more is sent. */
    @Override
    public int exitCode() {
        return ExitCodes.USAGE;
    }

    public ReportTamperedException(String message) {
        super(message);
    }
}
