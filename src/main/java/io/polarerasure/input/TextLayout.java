package io.polarerasure.input;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a text request file is laid out: its delimiter, whether an Excel {@code sep=X} first line sets it, and its
 * header (null with {@code --no-header}).
 *
 * <p>Delimiter rule: without a {@code sep=} line, the header is split with {@code ,}, {@code ;} and tab. A
 * delimiter fits when that split has a column named like the ID column. If exactly one fits, it is used. If several
 * fit and give the same columns (a header of one column), the first of {@code , ; tab} is used. If several fit with
 * different columns, the header is ambiguous and the run stops. If none fits, the run stops with the error that
 * splitting met, or else with the list of headers found (and, when the first line looks like an ID rather than a
 * header, the advice to use {@code --no-header}). Without a header, the delimiter is the first of tab, {@code ;}
 * and {@code ,} that splits the first record, and the ID is the first column.
 *
 * @param delimiter {@code ,}, {@code ;} or tab (or the {@code sep=} line's character)
 * @param sepLine   whether a {@code sep=} line comes first (neither header nor row)
 * @param header    the header as split with {@code delimiter}; null without one
 */
record TextLayout(char delimiter, boolean sepLine, Header header) {

    private static final char[] DELIMITERS = {',', ';', '\t'};
    private static final Pattern SEP_LINE = Pattern.compile("sep=(.)");

    /**
     * Reads the start of the file and applies the delimiter rule.
     *
     * @throws InputFileException if the file is unreadable, empty, not text, has a CSV syntax error in the header,
     *                            an ambiguous delimiter, or no column named {@link RequestOptions#idColumn()}
     */
    static TextLayout detect(Path file, RequestOptions options) {
        Character sep = sepLineDelimiter(file);
        if (!options.header()) {
            char delimiter = sep != null ? sep : firstSplitting(file);
            return new TextLayout(delimiter, sep != null, null);
        }
        List<Candidate> candidates = new ArrayList<>();
        for (char delimiter : sep != null ? new char[] {sep} : DELIMITERS) {
            candidates.add(Candidate.of(file, delimiter, sep != null));
        }
        List<Candidate> fitting = candidates.stream().filter(c -> c.fits(options.idColumn())).toList();
        for (Candidate other : fitting) {
            Candidate first = fitting.get(0);
            if (!other.header().columns().equals(first.header().columns())) {
                throw InputFileException.at(file, first.header().line(), "the header has a column named "
                        + Visible.escape(options.idColumn()) + " whether split at " + name(first.header().delimiter())
                        + " or at " + name(other.header().delimiter()) + ", so the delimiter is ambiguous. Columns"
                        + " split at " + name(first.header().delimiter()) + ": " + Header.list(first.header().columns())
                        + "; at " + name(other.header().delimiter()) + ": " + Header.list(other.header().columns())
                        + ". Put an Excel-style first line sep=X naming the delimiter, or rename the other columns so"
                        + " that only one delimiter splits the header, and run again.");
            }
        }
        if (!fitting.isEmpty()) {
            return new TextLayout(fitting.get(0).header().delimiter(), sep != null, fitting.get(0).header());
        }
        for (Candidate candidate : candidates) {
            if (candidate.failure() != null) {
                throw candidate.failure();
            }
        }
        Header widest = candidates.stream().map(Candidate::header)
                .max(Comparator.comparingInt(h -> h.columns().size())).orElseThrow();
        throw widest.missingColumn(file, options);
    }

    /** How messages name a delimiter: {@code ','}, {@code ';'} or {@code tab}. */
    static String name(char delimiter) {
        return delimiter == '\t' ? "tab" : "'" + delimiter + "'";
    }

    /** The delimiter of an Excel {@code sep=X} first line, or null when the file has none. */
    private static Character sepLineDelimiter(Path file) {
        try (StrictTextReader text = new StrictTextReader(TextRecords.openStream(file), file)) {
            char[] start = new char[8];
            int length = 0;
            for (int n = 0; n >= 0 && length < start.length; length += n) {
                n = text.read(start, length, start.length - length);
                if (n < 0) {
                    break;
                }
            }
            String first = new String(start, 0, Math.max(length, 0)).split("[\r\n]", -1)[0];
            Matcher sep = SEP_LINE.matcher(first);
            return sep.matches() && (length < start.length || first.length() < length) ? sep.group(1).charAt(0) : null;
        } catch (IOException e) {
            throw InputFileException.unreadable(file, e);
        }
    }

    /** Without a header: the first delimiter that splits the first record, else {@code ,} (one column). */
    private static char firstSplitting(Path file) {
        for (char delimiter : new char[] {'\t', ';', ','}) {
            try (TextRecords parse = new TextRecords(file, TextRecords.openStream(file), delimiter, false)) {
                RequestFile.Record first = parse.next();
                if (first == null) {
                    throw InputFileException.at(file, 1, "the file is empty. Put one external ID on each line and"
                            + " run again.");
                }
                if (first.fields().size() > 1) {
                    return delimiter;
                }
            }
        }
        return ',';
    }

    /**
     * The header as one delimiter splits it, or why that failed. A failure only rules the delimiter out: another
     * may still fit (a quote that opens a field under one delimiter is plain text under the other), and whatever
     * else is wrong with the file, the full pass over it finds.
     */
    private record Candidate(Header header, InputFileException failure) {

        static Candidate of(Path file, char delimiter, boolean sepLine) {
            try (TextRecords parse = new TextRecords(file, TextRecords.openStream(file), delimiter, sepLine)) {
                return new Candidate(Header.of(delimiter, parse.next(), file), null);
            } catch (InputFileException e) {
                return new Candidate(null, e);
            }
        }

        boolean fits(String idColumn) {
            return failure == null && header.columns().contains(idColumn);
        }
    }
}
