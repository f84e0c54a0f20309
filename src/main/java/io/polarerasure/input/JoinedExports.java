package io.polarerasure.input;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Finds a second export joined below the first ({@code cat a.csv b.csv}) whose header is laid out differently:
 * its columns in another order ({@code email,external_id} below {@code external_id,email}), or written with another
 * delimiter ({@code external_id;email} in a comma file). Every record below such a header has its ID in another
 * column or its fields run together, so what the ID column holds there is an e-mail address, a name, or a whole
 * line: sent, it would put personal data into a URL to Polar, come back 404, and leave the real customer live. So
 * the whole file is refused before anything is sent.
 *
 * <p>A record is such a header when a field other than the ID column's equals the ID column's name, or when a field
 * split at {@code ,}, {@code ;} or tab has two or more parts of which one equals it (names trimmed, compared
 * ignoring case, as {@code External_ID}, and without a byte order mark in front, which a second export joined with
 * {@code cat} keeps). It is one too when a field other than the ID column's names an ID column by
 * {@link IdRules#namesIdColumn}, the rule that also stops a header read with {@code --no-header} ({@code External
 * ID}, {@code Kunden-ID}, {@code uid}): the second export then spells its header differently and puts its IDs in
 * another column; and when the ID column's own value names an ID column and another field is one of the header's
 * column names ({@code uid,email} under {@code external_id,email}). An ID such as {@code fixed_id} beside data is
 * data. A repeated header in the same layout is not refused: its ID
 * field equals the name and {@link IdRules#verdict} makes it INVALID, and the records after it are read correctly.
 */
final class JoinedExports {

    private static final char[] DELIMITERS = {',', ';', '\t'};

    /** Whether a field other than the ID column's is one of the header's column names. */
    private static boolean namesAnotherColumn(List<String> fields, int idIndex, List<String> columns) {
        for (int i = 0; i < fields.size(); i++) {
            String field = Header.name(fields.get(i));
            if (i != idIndex && !field.isEmpty() && columns.stream().anyMatch(field::equalsIgnoreCase)) {
                return true;
            }
        }
        return false;
    }

    /** Longest record text quoted in a message. */
    private static final int SHOWN = 200;

    private JoinedExports() {
    }

    /**
     * Checks one data record of a file with a header.
     *
     * @param idIndex   0-based index of the ID column in the header
     * @param delimiter the file's delimiter; 0 for a workbook
     * @throws InputFileException naming the file, the record's line and the header found, when the record repeats
     *                            the header in another layout
     */
    static void check(Path file, RequestFile.Record record, int idIndex, String idColumn, char delimiter,
                      List<String> columns) {
        List<String> fields = record.fields();
        boolean sameLayout = idIndex < fields.size() && Header.name(fields.get(idIndex)).equalsIgnoreCase(idColumn);
        for (int i = 0; i < fields.size(); i++) {
            String field = Header.name(fields.get(i)); // the same string when there is nothing to trim
            if (!sameLayout && (i != idIndex && (field.equalsIgnoreCase(idColumn) || IdRules.namesIdColumn(field))
                    || i == idIndex && IdRules.namesIdColumn(field) && namesAnotherColumn(fields, idIndex, columns))) {
                String found = fields.stream().map(Header::name).collect(Collectors.joining(delimiter == 0 ? ","
                        : String.valueOf(delimiter)));
                String how = field.equalsIgnoreCase(idColumn) ? "in another column order"
                        : "spelt another way (" + shown(field) + " names an ID column)";
                throw refusal(file, record, "repeats the header " + how + " (" + shown(found) + ")",
                        "the same columns in the same order");
            }
            for (char other : DELIMITERS) {
                if (field.indexOf(other) >= 0 && splitHasName(field, other, idColumn)) {
                    throw refusal(file, record, "repeats the header with another delimiter (" + shown(field)
                            + ", split at " + TextLayout.name(other) + ")", "the same delimiter and columns");
                }
            }
        }
    }

    private static boolean splitHasName(String field, char delimiter, String idColumn) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int end = field.indexOf(delimiter); end >= 0; end = field.indexOf(delimiter, start)) {
            parts.add(field.substring(start, end));
            start = end + 1;
        }
        parts.add(field.substring(start));
        return parts.size() > 1 && parts.stream().map(part -> Header.name(part).replaceAll("^\"|\"$", ""))
                .anyMatch(idColumn::equalsIgnoreCase);
    }

    private static InputFileException refusal(Path file, RequestFile.Record record, String found, String same) {
        return InputFileException.at(file, record.line(), found + ": the file joins two exports with different"
                + " layouts, so in the rows after it the ID column holds other values (such as e-mail addresses)."
                + " Nothing was sent. Export the parts with " + same + ", or split the file before line "
                + record.line() + " into two files, and run each.");
    }

    private static String shown(String text) {
        String visible = Visible.escape(text);
        return visible.length() <= SHOWN ? visible : visible.substring(0, SHOWN) + "...";
    }
}
