package io.polarerasure.input;

/**
 * One data record of a request file, with the verdict of {@link IdRules} taken once when it was read.
 *
 * @param row        1-based number of the data record; the header, blank lines and records of only empty fields
 *                   are not counted
 * @param line       1-based physical line where the record starts (a quoted field may span lines); in a workbook,
 *                   the sheet's row number
 * @param externalId the ID column's value with surrounding whitespace removed, or {@code null} when the record
 *                   is too short to have that column
 * @param asWritten  the ID column's value as the file holds it, before trimming (null as {@code externalId})
 * @param invalid    why this row must not be sent (the detail of an INVALID row), or null when it may be sent
 * @param origin     where a retry file's row came from; null for a row of any other file
 */
public record RequestRow(long row, long line, String externalId, String asWritten, String invalid,
                         RetryOrigin origin) {

    /** A row of an ordinary request file (not a retry file). */
    public RequestRow(long row, long line, String externalId, String asWritten, String invalid) {
        this(row, line, externalId, asWritten, invalid, null);
    }

    /** A valid row whose ID was written without surrounding whitespace. */
    public RequestRow(long row, long line, String externalId) {
        this(row, line, externalId, externalId, null);
    }

    /** Whether the row may be sent. */
    public boolean valid() {
        return invalid == null;
    }

    /** Whether the file holds the ID with surrounding whitespace that trimming removed. */
    public boolean writtenWithWhitespace() {
        return asWritten != null && !asWritten.equals(externalId);
    }
}
