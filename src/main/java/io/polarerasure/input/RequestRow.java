package io.polarerasure.input;

/**
 * One data record of a request file.
 *
 * @param row        1-based number of the data record; the header and blank lines are not counted
 * @param line       1-based physical line where the record starts (a quoted field may span lines)
 * @param externalId the ID column's value with surrounding whitespace removed, or {@code null} when the record
 *                   is too short to have that column
 */
public record RequestRow(long row, long line, String externalId) {
}
