package io.polarerasure.report;

import java.time.Instant;

/**
 * One line of the audit report: the outcome of one input data row.
 *
 * @param httpStatus the last status Polar answered, or {@code null} when no answer was received
 * @param attempts   the number of requests really sent for this row
 */
public record AuditLine(long row, String externalId, Outcome outcome, Integer httpStatus, int attempts,
                        String detail, Instant processedAt) {

    public AuditLine {
        if (row < 1) {
            throw new IllegalArgumentException("row must be 1 or more, was " + row);
        }
        if (outcome == null || processedAt == null) {
            throw new IllegalArgumentException("outcome and processedAt are required");
        }
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative, was " + attempts);
        }
        detail = detail == null ? "" : detail;
    }

    /** A line for a row that was decided without calling Polar. */
    public static AuditLine withoutCall(long row, String externalId, Outcome outcome, String detail, Instant at) {
        return new AuditLine(row, externalId, outcome, null, 0, detail, at);
    }
}
