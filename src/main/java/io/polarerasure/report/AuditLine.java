package io.polarerasure.report;

import java.time.Instant;
import java.util.List;

/**
 * One line of the audit report: the outcome of one input data row.
 *
 * @param httpStatus the last status Polar answered, or {@code null} when no answer was received
 * @param attempts   the number of requests really sent for this row
 * @param origin     cells after the seven columns: in a retry run's report, where the row came from
 */
public record AuditLine(long row, String externalId, Outcome outcome, Integer httpStatus, int attempts,
                        String detail, Instant processedAt, List<String> origin) {

    /** A line of an ordinary run, with the seven columns only. */
    public AuditLine(long row, String externalId, Outcome outcome, Integer httpStatus, int attempts, String detail,
                     Instant processedAt) {
        this(row, externalId, outcome, httpStatus, attempts, detail, processedAt, List.of());
    }

    /**
     * This line with the cells a retry run's report adds after the seven columns (where the row came from);
     * empty for an ordinary run.
     */
    public AuditLine withOrigin(List<String> cells) {
        return new AuditLine(row, externalId, outcome, httpStatus, attempts, detail, processedAt, cells);
    }

    /**
     * How the detail of a row in doubt begins: some DELETE of it may have reached Polar without a definitive
     * answer (a timeout, a lost connection, a 5xx, an interrupted execution), whatever its final outcome.
     */
    public static final String IN_DOUBT = "in doubt: ";

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
        origin = origin == null ? List.of() : List.copyOf(origin);
    }

    /** True when the row's detail says that an attempt of it was in doubt ({@link #IN_DOUBT}). */
    public boolean inDoubt() {
        return detail.startsWith(IN_DOUBT);
    }

    /** A line for a row that was decided without calling Polar. */
    public static AuditLine withoutCall(long row, String externalId, Outcome outcome, String detail, Instant at) {
        return new AuditLine(row, externalId, outcome, null, 0, detail, at);
    }
}
