package io.polarerasure.input;

import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A request file whose header has been checked: the one place that decides how bytes become rows, so that the
 * scan and the reader cannot disagree.
 *
 * <p>Format: UTF-8 (a leading BOM is ignored), CR, LF or CRLF line ends, RFC 4180 quoting (a quoted field may hold
 * delimiters, line breaks, and quotes written as {@code ""}), spaces around fields ignored. The first record is the
 * header; names are trimmed and matched exactly. Blank lines are skipped and are not rows. Records may have more
 * or fewer fields than the header; one too short to reach the ID column gives a row with a {@code null} ID.
 *
 * <p>Delimiter rule: the header is split with {@code ,} and with {@code ;}. A delimiter fits when that split has a
 * column named like the ID column. If exactly one fits, it is used. If both fit and give the same columns (a header
 * of one column), {@code ,} is used. If both fit with different columns, the header is ambiguous and the run stops.
 * If neither fits, the run stops with the error that splitting met (the {@code ,} split's first), or else with the
 * list of headers found.
 *
 * <p>A header of one column cannot show which delimiter the file was written with, so in such a file a data record
 * that splits into more than one field stops the run rather than guessing which part is the ID.
 *
 * <p>Immutable; each {@link Rows} it hands out is a separate pass over the file.
 */
public final class RequestFile {

    private static final char COMMA = ',';
    private static final char SEMICOLON = ';';
    private static final String QUOTING_ADVICE =
            "Fix the quoting (a quote inside a quoted field is written as two quotes) and run again.";
    private static final Pattern START_LINE = Pattern.compile("\\(startline ([^)]+)\\)");
    private static final Pattern AT_LINE = Pattern.compile("at line: (.+), position:");

    private final Path file;
    private final String idColumn;
    private final char delimiter;
    private final boolean singleColumn;

    private RequestFile(Path file, String idColumn, Header header) {
        this.file = file;
        this.idColumn = idColumn;
        this.delimiter = header.delimiter();
        this.singleColumn = header.columns().size() == 1;
        idIndex(header); // fails unless the ID column is there exactly once
    }

    /**
     * Reads the header, detects the delimiter and checks that the ID column is there exactly once.
     *
     * @throws InputFileException if the file is unreadable, empty, not UTF-8 text, has a CSV syntax error in the
     *                            header, or lacks the ID column
     */
    public static RequestFile open(Path file, String idColumn) {
        Objects.requireNonNull(file, "file");
        if (idColumn == null || idColumn.isBlank()) {
            throw new IllegalArgumentException("idColumn must name a column, got '" + idColumn + "'");
        }
        Candidate comma = Candidate.of(file, COMMA);
        Candidate semicolon = Candidate.of(file, SEMICOLON);
        boolean commaFits = comma.fits(idColumn);
        boolean semicolonFits = semicolon.fits(idColumn);
        if (commaFits && semicolonFits && !comma.header().columns().equals(semicolon.header().columns())) {
            throw InputFileException.at(file, comma.header().line(), "the header has a column named " + idColumn
                    + " whether split at ',' or at ';', so the delimiter is ambiguous. Columns split at ',': "
                    + list(comma.header().columns()) + "; at ';': " + list(semicolon.header().columns())
                    + ". Rename the other columns so that only one delimiter splits the header, and run again.");
        }
        if (commaFits || semicolonFits) {
            return new RequestFile(file, idColumn, (commaFits ? comma : semicolon).header());
        }
        if (comma.failure() != null) {
            throw comma.failure();
        }
        if (semicolon.failure() != null) {
            throw semicolon.failure();
        }
        boolean semicolonWider = semicolon.header().columns().size() > comma.header().columns().size();
        throw missingColumn(file, idColumn, (semicolonWider ? semicolon : comma).header());
    }

    /** {@code ,} or {@code ;}, chosen by the delimiter rule in the class comment. */
    public char delimiter() {
        return delimiter;
    }

    /**
     * Opens the file again and returns its data rows in order. The header is read and checked again with the
     * detected delimiter, so a file replaced since {@link #open} fails rather than being misread.
     *
     * @throws InputFileException if the file can no longer be read or its header no longer fits
     */
    public Rows rows() {
        return new Rows(openStream(file));
    }

    /**
     * As {@link #rows()}, but reading only the first {@code size} bytes and feeding each through {@code digest}: a
     * file still being written cannot keep the pass going, and the digest covers exactly the bytes parsed.
     */
    Rows rows(MessageDigest digest, long size) {
        return new Rows(new DigestInputStream(firstBytes(openStream(file), size), digest));
    }

    private static InputStream firstBytes(InputStream in, long size) {
        return new FilterInputStream(in) {
            private long left = size;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int count = super.read(buffer, offset, (int) Math.min(length, left));
                left -= Math.max(count, 0);
                return count;
            }
        };
    }

    private int idIndex(Header header) {
        int first = header.columns().indexOf(idColumn);
        if (first < 0) {
            throw missingColumn(file, idColumn, header);
        }
        int last = header.columns().lastIndexOf(idColumn);
        if (last != first) {
            throw InputFileException.at(file, header.line(), "the header has more than one column named "
                    + idColumn + " (columns " + (first + 1) + " and " + (last + 1) + "), so it is unclear which"
                    + " holds the IDs. Keep one and run again.");
        }
        return first;
    }

    private static InputStream openStream(Path file) {
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw InputFileException.unreadable(file, e);
        }
    }

    private static InputFileException missingColumn(Path file, String idColumn, Header header) {
        return InputFileException.at(file, header.line(), "the header has no column named " + idColumn
                + "; headers found: " + list(header.columns()) + ". Name the ID column with --id-column (the match"
                + " is exact and case-sensitive) or fix the header, and run again.");
    }

    private static String list(List<String> columns) {
        return columns.stream().map(name -> "\"" + name + "\"").collect(Collectors.joining(", "));
    }

    /** The header's trimmed column names as split with {@code delimiter}, and the line it starts on. */
    private record Header(char delimiter, List<String> columns, long line) {
    }

    /**
     * The header as one delimiter splits it, or why that failed. A failure only rules the delimiter out: the other
     * may still fit (a quote that opens a field under one delimiter is plain text under the other), and whatever
     * else is wrong with the file, the full pass over it finds.
     */
    private record Candidate(Header header, InputFileException failure) {

        static Candidate of(Path file, char delimiter) {
            try (Parse parse = new Parse(file, openStream(file), delimiter)) {
                return new Candidate(parse.header(), null);
            } catch (InputFileException e) {
                return new Candidate(null, e);
            }
        }

        boolean fits(String idColumn) {
            return failure == null && header.columns().contains(idColumn);
        }
    }

    /** One pass of Commons CSV over the text, with line numbers and messages of our own. Not thread-safe. */
    private static final class Parse implements Closeable {

        private final Path file;
        private final char delimiter;
        private final StrictTextReader text;
        private final CSVParser parser;
        private final Iterator<CSVRecord> records;
        private long line;

        Parse(Path file, InputStream in, char delimiter) {
            this.file = file;
            this.delimiter = delimiter;
            this.text = new StrictTextReader(in, file);
            this.parser = parser(text, delimiter);
            this.records = parser.iterator();
        }

        /** The first record as a header. */
        Header header() {
            CSVRecord record = next();
            if (record == null) {
                throw InputFileException.at(file, 1, "the file is empty, not even a header line. Export the"
                        + " requests with a header line naming the ID column and run again.");
            }
            return new Header(delimiter, record.stream().map(IdRules::strip).toList(), line);
        }

        /** The next record, or null at the end; {@link #line()} then tells where it starts. */
        CSVRecord next() {
            long linesDone = parser.getCurrentLineNumber();
            text.startRecord(linesDone + 1);
            try {
                if (!records.hasNext()) {
                    return null;
                }
            } catch (UncheckedIOException e) {
                throw syntaxError(e.getCause(), linesDone + 1);
            }
            CSVRecord record = records.next();
            // The parser counts lines up to the record's end. Going back over the line breaks inside its quoted
            // fields finds its start, also after skipped blank lines, which a count taken before parsing misses.
            line = parser.getCurrentLineNumber() - lineBreaks(record);
            return record;
        }

        long line() {
            return line;
        }

        @Override
        public void close() {
            try {
                parser.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static CSVParser parser(StrictTextReader text, char delimiter) {
            CSVFormat format = CSVFormat.RFC4180.builder()
                    .setDelimiter(delimiter)
                    .setIgnoreEmptyLines(true)
                    .setIgnoreSurroundingSpaces(true)
                    .get();
            try {
                return format.parse(text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static long lineBreaks(CSVRecord record) {
            long breaks = 0;
            for (String value : record) {
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if (c == '\r' || c == '\n' && (i == 0 || value.charAt(i - 1) != '\r')) {
                        breaks++;
                    }
                }
            }
            return breaks;
        }

        /**
         * Commons CSV tells syntax errors apart only in its message text, so the line numbers come from there,
         * with the line after the previous record as the fallback.
         */
        private InputFileException syntaxError(IOException cause, long fallbackLine) {
            String message = String.valueOf(cause.getMessage());
            if (!(cause instanceof CSVException)) {
                return InputFileException.at(file, fallbackLine, "cannot be read (" + cause + "). Check the file"
                        + " and run again.", cause);
            }
            Matcher unterminated = START_LINE.matcher(message);
            if (unterminated.find()) {
                return InputFileException.at(file, number(unterminated, fallbackLine), "a quoted field starts on"
                        + " this line and is never closed (the file ends inside it). " + QUOTING_ADVICE, cause);
            }
            Matcher trailing = AT_LINE.matcher(message);
            if (trailing.find()) {
                return InputFileException.at(file, number(trailing, fallbackLine), "text follows the closing quote"
                        + " of a field, which must be followed by a delimiter or the end of the line. "
                        + QUOTING_ADVICE, cause);
            }
            return InputFileException.at(file, fallbackLine, "the CSV cannot be parsed (" + message + "). "
                    + QUOTING_ADVICE, cause);
        }

        /** Commons CSV formats line numbers with {@code %,d} in the default locale, so only digits count. */
        private static long number(Matcher matcher, long fallback) {
            String digits = matcher.group(1).codePoints()
                    .filter(Character::isDigit)
                    .map(c -> '0' + Character.digit(c, 10))
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                    .toString();
            return digits.isEmpty() ? fallback : Long.parseLong(digits);
        }
    }

    /** The data rows of one pass over the file, in order. Close it to release the file. Not thread-safe. */
    public final class Rows implements Closeable {

        private final Parse parse;
        private final int idIndex;
        private long row;

        private Rows(InputStream in) {
            Parse opened = new Parse(file, in, delimiter);
            try {
                this.idIndex = idIndex(opened.header());
            } catch (RuntimeException e) {
                opened.close();
                throw e;
            }
            this.parse = opened;
        }

        /**
         * The next data row, or {@code null} after the last.
         *
         * @throws InputFileException at the first encoding or CSV syntax error, or at a record with several fields
         *                            in a single-column file
         */
        public RequestRow next() {
            CSVRecord record = parse.next();
            if (record == null) {
                return null;
            }
            if (singleColumn && record.size() > 1) {
                throw InputFileException.at(file, parse.line(), String.format(Locale.ROOT, "this record has %d"
                        + " fields but the header has a single column, so it is unclear whether '%c' separates"
                        + " columns or is part of the ID. Quote values that contain '%<c', or name every column in"
                        + " the header, and run again.", record.size(), delimiter));
            }
            String externalId = record.size() > idIndex ? IdRules.strip(record.get(idIndex)) : null;
            return new RequestRow(++row, parse.line(), externalId);
        }

        @Override
        public void close() {
            parse.close();
        }
    }
}
