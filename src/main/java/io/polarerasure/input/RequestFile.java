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
import java.io.PushbackReader;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A request file whose header has been checked: the one place that decides how bytes become rows, so that the
 * scan and the reader cannot disagree. A file whose name ends in {@code .xlsx} is read as a workbook
 * ({@link WorkbookRecords}); any other as delimited text.
 *
 * <p>Text format: UTF-8 (with or without a BOM), or UTF-16LE/BE with a BOM ({@link StrictTextReader}); CR, LF or
 * CRLF line ends, RFC 4180 quoting (a quoted field may hold delimiters, line breaks, and quotes written as
 * {@code ""}), spaces around fields ignored. An Excel {@code sep=X} first line sets the delimiter and is neither the
 * header nor a row. The first record is the header (unless {@link RequestOptions#header()} is false); names are
 * trimmed (a BOM left in front of a name too) and matched exactly. Blank lines and records whose every field is
 * empty are skipped and are not rows ({@link Rows#skipped()} counts the latter). Records may have more or fewer
 * fields than the header; one too short to reach the ID column gives a row with a {@code null} ID.
 *
 * <p>Delimiter rule: without a {@code sep=} line, the header is split with {@code ,}, {@code ;} and tab. A
 * delimiter fits when that split has a column named like the ID column. If exactly one fits, it is used. If several
 * fit and give the same columns (a header of one column), the first of {@code , ; tab} is used. If several fit with
 * different columns, the header is ambiguous and the run stops. If none fits, the run stops with the error that
 * splitting met, or else with the list of headers found (and, when the first line looks like an ID rather than a
 * header, the advice to use {@code --no-header}). Without a header, the delimiter is the first of tab, {@code ;}
 * and {@code ,} that splits the first record, and the ID is the first column.
 *
 * <p>A header of one column cannot show which delimiter the file was written with, so in such a file a data record
 * that splits into more than one field stops the run rather than guessing which part is the ID (in a text file;
 * a sheet's cells need no delimiter).
 *
 * <p>A record that repeats the header in another layout (columns in another order, or another delimiter: two
 * exports joined) stops the run, see {@link JoinedExports}; one in the same layout is an INVALID row.
 *
 * <p>Every row gets the verdict of {@link IdRules#verdict} as it is read. Immutable; each {@link Rows} it hands out
 * is a separate pass over the file.
 */
public final class RequestFile {

    private static final char[] DELIMITERS = {',', ';', '\t'};
    private static final Pattern SEP_LINE = Pattern.compile("sep=(.)");

    private final Path file;
    private final RequestOptions options;
    private final boolean workbook;
    private final char delimiter;
    /** Whether a {@code sep=} line comes first. */
    private final boolean sepLine;

    private RequestFile(Path file, RequestOptions options, boolean workbook, char delimiter, boolean sepLine,
                        Header header) {
        this.file = file;
        this.options = options;
        this.workbook = workbook;
        this.delimiter = delimiter;
        this.sepLine = sepLine;
        if (header != null) {
            idIndex(header); // fails unless the ID column is there exactly once
        }
    }

    /** As {@link #open(Path, RequestOptions)} with a header naming {@code idColumn}. */
    public static RequestFile open(Path file, String idColumn) {
        if (idColumn == null || idColumn.isBlank()) {
            throw new IllegalArgumentException("idColumn must name a column, got '" + idColumn + "'");
        }
        return open(file, RequestOptions.of(idColumn));
    }

    /**
     * Reads the header, detects the delimiter and checks that the ID column is there exactly once. A workbook is
     * not opened here but by each {@link #rows()}, which checks its sheet and header in the same pass: opening one
     * imports its whole shared-strings table (every distinct text, so every ID), too costly to do twice per pass.
     *
     * @throws InputFileException if the file is unreadable, empty, not text, has a CSV syntax error in the
     *                            header or lacks the ID column
     */
    public static RequestFile open(Path file, RequestOptions options) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        if (isWorkbook(file)) {
            return new RequestFile(file, options, true, (char) 0, false, null);
        }
        Character sep = sepLine(file);
        if (!options.header()) {
            char delimiter = sep != null ? sep : firstSplitting(file);
            return new RequestFile(file, options, false, delimiter, sep != null, null);
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
                        + " split at " + name(first.header().delimiter()) + ": " + list(first.header().columns())
                        + "; at " + name(other.header().delimiter()) + ": " + list(other.header().columns())
                        + ". Put an Excel-style first line sep=X naming the delimiter, or rename the other columns so"
                        + " that only one delimiter splits the header, and run again.");
            }
        }
        if (!fitting.isEmpty()) {
            return new RequestFile(file, options, false, fitting.get(0).header().delimiter(), sep != null,
                    fitting.get(0).header());
        }
        for (Candidate candidate : candidates) {
            if (candidate.failure() != null) {
                throw candidate.failure();
            }
        }
        Header widest = candidates.stream().map(Candidate::header)
                .max(Comparator.comparingInt(h -> h.columns().size())).orElseThrow();
        throw missingColumn(file, options, widest);
    }

    /** {@code ,}, {@code ;} or tab, chosen by the delimiter rule in the class comment; 0 for a workbook. */
    public char delimiter() {
        return delimiter;
    }

    /** Whether the file is read as an {@code .xlsx} workbook. */
    public boolean workbook() {
        return workbook;
    }

    /**
     * Opens the file again and returns its data rows in order. The header is read and checked again with the
     * detected delimiter, so a file replaced since {@link #open} fails rather than being misread.
     *
     * @throws InputFileException if the file can no longer be read or its header no longer fits; for a workbook,
     *                            also if it cannot be read as one, lacks the sheet or lacks the ID column
     */
    public Rows rows() {
        return new Rows(workbook ? WorkbookRecords.open(file, options.sheet()) : new Parse(file, openStream(file),
                delimiter, sepLine));
    }

    /**
     * As {@link #rows()}, but feeding the first {@code size} bytes through {@code digest}. Text is read only up to
     * there, so a file still being written cannot keep the pass going and the digest covers exactly the bytes
     * parsed. A workbook cannot be streamed (its parts are found through the zip's directory at its end): its
     * first {@code size} bytes are hashed before it is opened.
     */
    Rows rows(MessageDigest digest, long size) {
        if (workbook) {
            try (InputStream in = firstBytes(openStream(file), size)) {
                byte[] buffer = new byte[1 << 16];
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    digest.update(buffer, 0, n);
                }
            } catch (IOException e) {
                throw InputFileException.unreadable(file, e);
            }
            return rows();
        }
        return new Rows(new Parse(file, new DigestInputStream(firstBytes(openStream(file), size), digest), delimiter,
                sepLine));
    }

    /**
     * Whether the file is read as an {@code .xlsx} workbook: its name ends in {@code .xlsx}, or it begins like a
     * ZIP archive (a run's snapshot of a workbook keeps its bytes, not its name). No text request file begins
     * with {@code PK} and the bytes 3 and 4, which are control characters.
     */
    public static boolean isWorkbook(Path file) {
        if (file.getFileName() != null && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".xlsx")) {
            return true;
        }
        byte[] start = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(start, 0, 4) == 4 && start[0] == 'P' && start[1] == 'K' && start[2] == 3
                    && start[3] == 4;
        } catch (IOException e) {
            return false; // reading it as text reports why it cannot be read
        }
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
        String idColumn = options.idColumn();
        int first = header.columns().indexOf(idColumn);
        if (first < 0) {
            throw missingColumn(file, options, header);
        }
        int last = header.columns().lastIndexOf(idColumn);
        if (last != first) {
            throw InputFileException.at(file, header.line(), "the header has more than one column named "
                    + Visible.escape(idColumn) + " (columns " + (first + 1) + " and " + (last + 1) + "), so it is"
                    + " unclear which holds the IDs. Keep one and run again.");
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

    /** The delimiter of an Excel {@code sep=X} first line, or null when the file has none. */
    private static Character sepLine(Path file) {
        try (StrictTextReader text = new StrictTextReader(openStream(file), file)) {
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
            try (Parse parse = new Parse(file, openStream(file), delimiter, false)) {
                Record first = parse.next();
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

    private static InputFileException missingColumn(Path file, RequestOptions options, Header header) {
        String idColumn = Visible.escape(options.idColumn());
        String found = "the header has no column named " + idColumn + "; headers found: " + list(header.columns());
        if (looksLikeIds(header.columns(), options)) {
            // Never suggest --id-column with a value: that value is an ID, and the run would skip its person.
            return InputFileException.at(file, header.line(), found + ". The first line looks like an external ID,"
                    + " not a header: if the file is a plain list of IDs, one a line, run again with --no-header.");
        }
        return InputFileException.at(file, header.line(), found + ". Name the ID column with --id-column (the match"
                + " is exact and case-sensitive) or fix the header, and run again.");
    }

    /** Header names are words; a first line holding digits, or IDs of the merchant's pattern, is data. */
    private static boolean looksLikeIds(List<String> columns, RequestOptions options) {
        String first = columns.isEmpty() ? "" : columns.get(0);
        if (options.idPattern() != null && options.idPattern().matcher(first).matches()) {
            return true;
        }
        return first.chars().anyMatch(Character::isDigit);
    }

    private static String list(List<String> columns) {
        return columns.stream().map(name -> "\"" + Visible.escape(name) + "\"").collect(Collectors.joining(", "));
    }

    private static String name(char delimiter) {
        return delimiter == '\t' ? "tab" : "'" + delimiter + "'";
    }

    /** The header's trimmed column names as split with {@code delimiter}, and the line it starts on. */
    private record Header(char delimiter, List<String> columns, long line) {

        static Header of(char delimiter, Record record, Path file) {
            if (record == null) {
                throw InputFileException.at(file, 1, "the file is empty, not even a header line. Export the"
                        + " requests with a header line naming the ID column (or use --no-header for a plain list of"
                        + " IDs) and run again.");
            }
            // A second BOM (text saved as UTF-8 twice) is left in front of the first name: no name starts so.
            return new Header(delimiter, record.fields().stream()
                    .map(name -> IdRules.strip(name.replaceFirst("^\uFEFF+", ""))).toList(), record.line());
        }
    }

    /** One record of a file: where it starts, its fields as written, and why a workbook cell could not be read. */
    record Record(long line, List<String> fields, List<String> problems) {

        String problem(int index) {
            return problems == null || index >= problems.size() ? null : problems.get(index);
        }
    }

    /** A source of records: a text parse or a sheet. */
    interface Records extends Closeable {

        /** The next record, or null at the end. */
        Record next();

        @Override
        void close();
    }

    /**
     * The header as one delimiter splits it, or why that failed. A failure only rules the delimiter out: another
     * may still fit (a quote that opens a field under one delimiter is plain text under the other), and whatever
     * else is wrong with the file, the full pass over it finds.
     */
    private record Candidate(Header header, InputFileException failure) {

        static Candidate of(Path file, char delimiter, boolean sepLine) {
            try (Parse parse = new Parse(file, openStream(file), delimiter, sepLine)) {
                return new Candidate(Header.of(delimiter, parse.next(), file), null);
            } catch (InputFileException e) {
                return new Candidate(null, e);
            }
        }

        boolean fits(String idColumn) {
            return failure == null && header.columns().contains(idColumn);
        }
    }

    /** One pass of Commons CSV over the text, with line numbers and messages of our own. Not thread-safe. */
    private static final class Parse implements Records {

        private final Path file;
        private final StrictTextReader text;
        private final CSVParser parser;
        private final Iterator<CSVRecord> records;
        /** Lines before the text the parser sees: the {@code sep=} line. */
        private final long lineOffset;

        Parse(Path file, InputStream in, char delimiter, boolean sepLine) {
            this.file = file;
            this.text = new StrictTextReader(in, file);
            Reader rest = text;
            if (sepLine) {
                rest = skipFirstLine(text);
            }
            this.lineOffset = sepLine ? 1 : 0;
            this.parser = parser(rest, delimiter);
            this.records = parser.iterator();
        }

        /** Reads past the first line end (CR, LF or CRLF), so the parser starts on the second line. */
        private static Reader skipFirstLine(StrictTextReader text) {
            PushbackReader reader = new PushbackReader(text, 1);
            try {
                for (int c = reader.read(); c >= 0; c = reader.read()) {
                    if (c == '\n') {
                        break;
                    }
                    if (c == '\r') {
                        int next = reader.read();
                        if (next >= 0 && next != '\n') {
                            reader.unread(next);
                        }
                        break;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return reader;
        }

        /** The next record, or null at the end. */
        @Override
        public Record next() {
            long linesDone = parser.getCurrentLineNumber() + lineOffset;
            text.startRecord(linesDone + 1);
            try {
                if (!records.hasNext()) {
                    return null;
                }
            } catch (UncheckedIOException e) {
                throw CsvSyntaxError.of(file, e.getCause(), linesDone + 1, lineOffset);
            }
            CSVRecord record = records.next();
            // The parser counts lines up to the record's end. Going back over the line breaks inside its quoted
            // fields finds its start, also after skipped blank lines, which a count taken before parsing misses.
            long line = parser.getCurrentLineNumber() + lineOffset - lineBreaks(record);
            return new Record(line, record.toList(), null);
        }

        @Override
        public void close() {
            try {
                parser.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static CSVParser parser(Reader text, char delimiter) {
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
    }

    /** The data rows of one pass over the file, in order. Close it to release the file. Not thread-safe. */
    public final class Rows implements Closeable {

        private final Records records;
        private final int idIndex;
        /** Where a retry file's own columns are; null for any other file. */
        private final RetryOrigin.Columns retry;
        /** Columns the header names; 0 without a header. */
        private final int headerWidth;
        private long row;
        private long skipped;

        private Rows(Records opened) {
            try {
                Header header = options.header() ? Header.of(delimiter, opened.next(), file) : null;
                this.idIndex = header != null ? idIndex(header) : 0;
                this.retry = header != null ? RetryOrigin.columns(header.columns()) : null;
                this.headerWidth = header != null ? header.columns().size() : 0;
            } catch (RuntimeException e) {
                opened.close();
                throw e;
            }
            this.records = opened;
        }

        /**
         * The next data row with its verdict, or {@code null} after the last. Records whose every field is empty
         * (what spreadsheets leave below the data) are skipped like blank lines.
         *
         * @throws InputFileException at the first encoding or CSV syntax error, or at a record with several fields
         *                            in a single-column file
         */
        public RequestRow next() {
            Record record = records.next();
            while (record != null && allEmpty(record)) {
                skipped++;
                record = records.next();
            }
            if (record == null) {
                return null;
            }
            List<String> fields = record.fields();
            if (options.header()) {
                JoinedExports.check(file, record, idIndex, options.idColumn(), delimiter);
            }
            if (!workbook && headerWidth == 1 && fields.size() > 1) {
                throw InputFileException.at(file, record.line(), String.format(Locale.ROOT, "this record has %d"
                        + " fields but the header has a single column, so it is unclear whether %s separates"
                        + " columns or is part of the ID. Quote values that contain it, or name every column in"
                        + " the header, and run again.", fields.size(), name(delimiter)));
            }
            if (!options.header() && row == 0 && fields.stream().anyMatch(IdRules::looksLikeHeader)) {
                throw InputFileException.at(file, record.line(), "this line looks like a header row ("
                        + Visible.escape(String.join(", ", fields)) + "), but the file is read with --no-header,"
                        + " which takes the first field of every line as an ID. Run without --no-header (with"
                        + " --id-column naming the ID column if it is not external_id), and run again.");
            }
            String asWritten = fields.size() > idIndex ? fields.get(idIndex) : null;
            String externalId = asWritten == null ? null : IdRules.strip(asWritten);
            String problem = record.problem(idIndex);
            String invalid = problem != null ? problem : shifted(record);
            if (invalid == null) {
                invalid = IdRules.verdict(externalId, options);
            }
            return new RequestRow(++row, record.line(), externalId, asWritten, invalid,
                    retry == null ? null : retry.of(fields));
        }

        /**
         * Why a text record with more (non-empty) fields than the header cannot be trusted, or null: a value with
         * an unquoted delimiter (a name such as "Müller, Jürgen") shifts every column after it, and the ID column
         * then holds something else, such as a first name.
         */
        private String shifted(Record record) {
            List<String> fields = record.fields();
            if (workbook || headerWidth == 0 || fields.size() <= headerWidth) {
                return null;
            }
            for (int i = headerWidth; i < fields.size(); i++) {
                if (!IdRules.strip(fields.get(i)).isEmpty()) {
                    return String.format(Locale.ROOT, "has %d fields but the header has %d: a value probably"
                            + " contains an unquoted %s, which shifts the columns, so the %s field may hold"
                            + " something else than the ID; not sent. Quote such values in the export and send this"
                            + " row again", fields.size(), headerWidth, name(delimiter), options.idColumn());
                }
            }
            return null; // only empty cells past the header: a trailing delimiter
        }



        /** Whether the file is a retry file: its header names an {@code original_row} column. */
        public boolean retryFile() {
            return retry != null;
        }

        /** Records of only empty fields passed over so far. */
        public long skipped() {
            return skipped;
        }

        @Override
        public void close() {
            records.close();
        }

        private boolean allEmpty(Record record) {
            for (int i = 0; i < record.fields().size(); i++) {
                if (!IdRules.strip(record.fields().get(i)).isEmpty() || record.problem(i) != null) {
                    return false;
                }
            }
            return true;
        }
    }
}
