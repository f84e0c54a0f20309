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

    /**
     * How the file's bytes become rows and verdicts, besides the ID column, as options on the command line (e.g.
     * {@code --no-header --id-pattern ^[0-9]{8}$}); empty for the defaults. A run resumed with other options would
     * read other rows at the saved position, so a run keeps the options of its first start.
     */
    public String reading() {
        StringBuilder options = new StringBuilder(header ? "" : " --no-header");
        if (sheet != null) {
            options.append(" --sheet ").append(sheet);
        }
        if (idPattern != null) {
            options.append(" --id-pattern ").append(idPattern.pattern());
        }
        return options.toString().strip();
    }

    /** The name reports and messages give the ID: the column's header, or {@code external_id} without one. */
    String idName() {
        return header ? idColumn : "external_id";
    }
}
