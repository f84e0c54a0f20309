package io.polarerasure.input;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to read a request file: which column holds the IDs, whether there is a header, which sheet of a workbook,
 * and the merchant's own ID shape. Immutable.
 *
 * @param idColumn  header of the ID column, matched exactly (ignored with {@code header == false})
 * @param header    false for a plain list of IDs, one a line (the first column if delimited)
 * @param sheet     the workbook sheet to read ({@code .xlsx} only), or null for the first one
 * @param idPattern IDs that do not match it (as a whole) are INVALID; null for no such rule
 */
public record RequestOptions(String idColumn, boolean header, String sheet, Pattern idPattern) {

    public RequestOptions {
        Objects.requireNonNull(idColumn, "idColumn");
        if (header && idColumn.isBlank()) {
            throw new IllegalArgumentException("idColumn must name a column, got '" + idColumn + "'");
        }
    }

    /** A file with a header row naming {@code idColumn}, the first sheet, no ID pattern. */
    public static RequestOptions of(String idColumn) {
        return new RequestOptions(idColumn, true, null, null);
    }

    /** The name reports and messages give the ID: the column's header, or {@code external_id} without one. */
    String idName() {
        return header ? idColumn : "external_id";
    }
}
