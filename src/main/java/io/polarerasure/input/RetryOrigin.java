package io.polarerasure.input;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Where a row of a retry file (written by {@code retry-failed}) came from, read from the file's own columns. A retry
 * run's report repeats it after its seven columns ({@link #REPORT_COLUMNS}), so every row can be traced to the
 * report that failed it; {@code in_doubt_since} makes the retry run look the customer up before it sends anything.
 *
 * @param originalRow    the row's number in the original report
 * @param retryOf        SHA-256 of the original run's input
 * @param originalReport file name of the original report ("" in retry files written before it was recorded)
 * @param inDoubtSince   for a row an earlier DELETE of which may have landed: no such DELETE was sent before this
 *                       moment (a lower bound of the first one); null for a row not in doubt
 * @param originalApiUrl the APIs the row was asked of before, earliest first, separated by spaces: the original
 *                       run's, and for a retry of a retry each earlier run's ("" in retry files written before it was
 *                       recorded)
 */
public record RetryOrigin(String originalRow, String retryOf, String originalReport, Instant inDoubtSince,
                          String originalApiUrl) {

    public static final String ORIGINAL_ROW = "original_row";
    public static final String RETRY_OF = "retry_of";
    public static final String ORIGINAL_REPORT = "original_report";
    public static final String IN_DOUBT_SINCE = "in_doubt_since";
    public static final String ORIGINAL_API_URL = "original_api_url";

    /** The columns a retry run's report has after its seven, in this order. */
    public static final List<String> REPORT_COLUMNS = List.of(ORIGINAL_ROW, RETRY_OF, ORIGINAL_REPORT,
            IN_DOUBT_SINCE, ORIGINAL_API_URL);

    /** The cells of {@link #REPORT_COLUMNS} for this row. */
    public List<String> reportCells() {
        return List.of(originalRow, retryOf, originalReport, inDoubtSince == null ? "" : inDoubtSince.toString(),
                originalApiUrl);
    }

    /** The APIs of {@link #originalApiUrl}, earliest first; empty when the file does not say. */
    public List<String> originalApis() {
        return originalApiUrl.isBlank() ? List.of() : List.of(originalApiUrl.trim().split("\\s+"));
    }

    /** The cells of {@link #REPORT_COLUMNS} for a row, empty for a row of an ordinary request file. */
    public static List<String> reportCells(RequestRow row) {
        return row.origin() == null ? List.of() : row.origin().reportCells();
    }

    /** Where a header's retry columns are; {@code null} when the header has no {@code original_row} column. */
    static Columns columns(List<String> header) {
        int originalRow = header.indexOf(ORIGINAL_ROW);
        return originalRow < 0 ? null : new Columns(originalRow, header.indexOf(RETRY_OF),
                header.indexOf(ORIGINAL_REPORT), header.indexOf(IN_DOUBT_SINCE), header.indexOf(ORIGINAL_API_URL));
    }

    /** Column positions in a retry file's header; -1 for a column it lacks. */
    record Columns(int originalRow, int retryOf, int originalReport, int inDoubtSince, int originalApiUrl) {

        RetryOrigin of(List<String> fields) {
            String since = cell(fields, inDoubtSince);
            return new RetryOrigin(cell(fields, originalRow), cell(fields, retryOf), cell(fields, originalReport),
                    since.isEmpty() ? null : parse(since), cell(fields, originalApiUrl));
        }

        /**
         * An unreadable time is taken as the earliest possible one: the retry run then treats every customer holding
         * the ID as possibly new since, and leaves it to a person (REVIEW) rather than erase the wrong one.
         */
        private static Instant parse(String since) {
            try {
                return Instant.parse(since);
            } catch (DateTimeParseException e) {
                return Instant.EPOCH;
            }
        }

        private static String cell(List<String> fields, int index) {
            return index >= 0 && index < fields.size() ? IdRules.strip(fields.get(index)) : "";
        }
    }
}
