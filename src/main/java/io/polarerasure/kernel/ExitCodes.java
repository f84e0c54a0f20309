package io.polarerasure.kernel;

/** The process exit codes: a contract with scripts and schedulers. */
public final class ExitCodes {

    /** The run completed and no row FAILED (or the file's run had already completed). */
    public static final int OK = 0;
    /**
     * The run completed but some rows FAILED (run their retry file later) or are REVIEW (a customer created after
     * a lost attempt holds the ID: a human checks).
     */
    public static final int ROWS_FAILED = 1;
    /** Usage, input or configuration error found before any call was sent. */
    public static final int USAGE = 2;
    /** The run stopped or failed part-way; re-run the same command to resume. */
    public static final int RESUMABLE = 3;
    /** Polar refused the credentials or the endpoint is wrong; fix it, then re-run to resume. */
    public static final int REFUSED = 4;

    private ExitCodes() {
    }
}
