package io.polarerasure.report;

/** What happened to one request row; the closed set the audit report may contain. */
public enum Outcome {
    /** Polar answered 204: the customer was erased by this run. */
    DELETED,
    /** Polar answered 404 ResourceNotFound: no live customer had this external ID. */
    NOT_FOUND,
    /** The ID cannot be sent (or Polar rejected it with 422); nothing was erased. */
    INVALID,
    /** The ID already appeared on an earlier row; not sent again. */
    DUPLICATE,
    /**
     * An earlier attempt's answer was lost, and a customer created after that attempt now holds the external ID:
     * the requested customer was most likely erased and someone took the freed ID. That customer was left alone;
     * a human checks (the detail says what). Never resent by {@code retry-failed}.
     */
    REVIEW,
    /** Polar could not be reached or kept failing; the customer may still exist. */
    FAILED,
    /**
     * Never sent: the run was abandoned ({@code abandon}) before this row's turn. Nothing was asked of Polar for
     * it; the customer, if any, still exists.
     */
    NOT_SENT,
    /** Dry run only: this row would be sent. */
    WOULD_DELETE
}
