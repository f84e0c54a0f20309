package io.polarerasure.input;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A request file's header: its trimmed column names as split with {@code delimiter} (0 for a sheet), and the line
 * it starts on. Finds the ID column in it and says what is wrong when it cannot.
 */
record Header(char delimiter, List<String> columns, long line) {

    /**
     * The header that {@code record} holds; a BOM left in front of a name (text saved as UTF-8 twice) is removed.
     *
     * @throws InputFileException when there is no record at all
     */
    static Header of(char delimiter, RequestFile.Record record, Path file) {
        if (record == null) {
            throw InputFileException.at(file, 1, "the file is empty, not even a header line. Export the"
                    + " requests with a header line naming the ID column (or use --no-header for a plain list of"
                    + " IDs) and run again.");
        }
        return new Header(delimiter, record.fields().stream().map(Header::name).toList(), record.line());
    }

    /**
     * A field as a column name: trimmed like an ID, and without byte order marks in front. A BOM is left there by
     * text saved as UTF-8 twice, and in a data record by a second export joined with {@code cat} that kept its own
     * BOM (its header then starts with U+FEFF).
     */
    static String name(String field) {
        // Called for every field of every row: a loop, not a regular expression compiled per call.
        String stripped = IdRules.strip(field);
        int start = 0;
        while (start < stripped.length() && stripped.charAt(start) == '\uFEFF') {
            start++;
        }
        return start == 0 ? stripped : IdRules.strip(stripped.substring(start));
    }

    /**
     * The 0-based index of the ID column.
     *
     * @throws InputFileException unless exactly one column is named {@link RequestOptions#idColumn()} and no other
     *                            column's name differs from it only in case and separators ({@code External ID}
     *                            beside {@code external_id}: two exports joined side by side)
     */
    int idIndex(Path file, RequestOptions options) {
        String idColumn = options.idColumn();
        int first = columns.indexOf(idColumn);
        if (first < 0) {
            throw missingColumn(file, options);
        }
        int last = columns.lastIndexOf(idColumn);
        if (last != first) {
            throw InputFileException.at(file, line, "the header has more than one column named "
                    + Visible.escape(idColumn) + " (columns " + (first + 1) + " and " + (last + 1) + "), so it is"
                    + " unclear which holds the IDs. Keep one and run again.");
        }
        for (int i = 0; i < columns.size(); i++) {
            if (i != first && sameWords(columns.get(i), idColumn)) {
                throw InputFileException.at(file, line, "the header has a column named " + Visible.escape(idColumn)
                        + " (column " + (first + 1) + ") and one named " + Visible.escape(columns.get(i))
                        + " (column " + (i + 1) + "), the same name written another way, so it is unclear which"
                        + " holds the IDs. Rename or delete the other one and run again.");
            }
        }
        return first;
    }

    /** Whether two names are the same words but for case and separators: {@code external_id}, {@code External ID}. */
    private static boolean sameWords(String one, String other) {
        return words(one).equals(words(other));
    }

    private static String words(String name) {
        return name.replaceAll("[\\p{Z}\\s_.-]+", "").toLowerCase(Locale.ROOT);
    }

    /** The error for a header without the ID column, with the names found and what to do. */
    InputFileException missingColumn(Path file, RequestOptions options) {
        String idColumn = Visible.escape(options.idColumn());
        String found = "the header has no column named " + idColumn + "; headers found: " + list(columns);
        if (looksLikeIds(options)) {
            // Never suggest --id-column with a value: that value is an ID, and the run would skip its person.
            return InputFileException.at(file, line, found + ". The first line looks like an external ID,"
                    + " not a header: if the file is a plain list of IDs, one a line, run again with --no-header.");
        }
        return InputFileException.at(file, line, found + ". Name the ID column with --id-column (the match"
                + " is exact and case-sensitive) or fix the header, and run again.");
    }

    /** Header names are words; a first line holding digits, or IDs of the merchant's pattern, is data. */
    private boolean looksLikeIds(RequestOptions options) {
        String first = columns.isEmpty() ? "" : columns.get(0);
        if (options.idPattern() != null && options.idPattern().matcher(first).matches()) {
            return true;
        }
        return first.chars().anyMatch(Character::isDigit);
    }

    /** The names quoted, invisible characters shown, e.g. {@code "external_id", "name<U+200B>"}. */
    static String list(List<String> columns) {
        return columns.stream().map(name -> "\"" + Visible.escape(name) + "\"").collect(Collectors.joining(", "));
    }
}
