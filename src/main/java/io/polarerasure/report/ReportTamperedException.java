package io.polarerasure.report;

/** The report on disk no longer matches what this run committed to it; resuming would corrupt it. */
public final class ReportTamperedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ReportTamperedException(String message) {
        super(message);
    }
}
