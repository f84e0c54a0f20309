package io.polarerasure.input;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

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
 * <p>How a text file's delimiter and header are found: {@link TextLayout}.
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

    private final Path file;
    private final RequestOptions options;
    /** How the text is laid out; null for a workbook. */
    private final TextLayout layout;
    private final boolean workbook;
    private final char delimiter;

    private RequestFile(Path file, RequestOptions options, TextLayout layout) {
        this.file = file;
        this.options = options;
        this.layout = layout;
        this.workbook = layout == null;
        this.delimiter = layout == null ? 0 : layout.delimiter();
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
            return new RequestFile(file, options, null);
        }
        TextLayout layout = TextLayout.detect(file, options);
        if (layout.header() != null) {
            layout.header().idIndex(file, options); // fails unless the ID column is there exactly once
        }
        return new RequestFile(file, options, layout);
    }

    /** {@code ,}, {@code ;} or tab, chosen by the delimiter rule of {@link TextLayout}; 0 for a workbook. */
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
        return new Rows(workbook ? WorkbookRecords.open(file, options.sheet()) : new TextRecords(file,
                TextRecords.openStream(file), delimiter, layout.sepLine()));
    }

    /**
     * As {@link #rows()}, but feeding the first {@code size} bytes through {@code digest}. Text is read only up to
     * there, so a file still being written cannot keep the pass going and the digest covers exactly the bytes
     * parsed. A workbook cannot be streamed (its parts are found through the zip's directory at its end): its
     * first {@code size} bytes are hashed before it is opened.
     */
    Rows rows(MessageDigest digest, long size) {
        if (workbook) {
            try (InputStream in = TextRecords.firstBytes(TextRecords.openStream(file), size)) {
                byte[] buffer = new byte[1 << 16];
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    digest.update(buffer, 0, n);
                }
            } catch (IOException e) {
                throw InputFileException.unreadable(file, e);
            }
            return rows();
        }
        InputStream bytes = TextRecords.firstBytes(TextRecords.openStream(file), size);
        return new Rows(new TextRecords(file, new DigestInputStream(bytes, digest), delimiter, layout.sepLine()));
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

    /** The data rows of one pass over the file, in order. Close it to release the file. Not thread-safe. */
    public final class Rows implements Closeable {

        private final Records records;
        private final int idIndex;
        /** Where a retry file's own columns are; null for any other file. */
        private final RetryOrigin.Columns retry;
        /** Columns the header names; 0 without a header. */
        private final int headerWidth;
        /** The header's column names, as written; empty without a header. */
        private final List<String> headerColumns;
        private long row;
        private long skipped;

        private Rows(Records opened) {
            try {
                Header header = options.header() ? Header.of(delimiter, opened.next(), file) : null;
                this.idIndex = header != null ? header.idIndex(file, options) : 0;
                this.retry = header != null ? RetryOrigin.columns(header.columns()) : null;
                this.headerWidth = header != null ? header.columns().size() : 0;
                this.headerColumns = header != null ? header.columns().stream().map(Header::name).toList() : List.of();
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
                JoinedExports.check(file, record, idIndex, options.idColumn(), delimiter, headerColumns);
            }
            if (!workbook && headerWidth == 1 && fields.size() > 1) {
                throw InputFileException.at(file, record.line(), String.format(Locale.ROOT, "this record has %d"
                        + " fields but the header has a single column, so it is unclear whether %s separates"
                        + " columns or is part of the ID. Quote values that contain it, or name every column in"
                        + " the header, and run again.", fields.size(), TextLayout.name(delimiter)));
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
                            + " row again", fields.size(), headerWidth, TextLayout.name(delimiter), options.idColumn());
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

