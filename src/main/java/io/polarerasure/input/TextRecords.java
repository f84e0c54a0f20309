package io.polarerasure.input;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/** One pass of Commons CSV over the text, with line numbers and messages of our own. Not thread-safe. */
final class TextRecords implements RequestFile.Records {

    private final Path file;
    private final StrictTextReader text;
    private final CSVParser parser;
    private final Iterator<CSVRecord> records;
    /** Lines before the text the parser sees: the {@code sep=} line. */
    private final long lineOffset;

    TextRecords(Path file, InputStream in, char delimiter, boolean sepLine) {
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
    public RequestFile.Record next() {
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
        return new RequestFile.Record(line, record.toList(), null);
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

    /**
     * Opens the file's bytes.
     *
     * @throws InputFileException if it cannot be opened
     */
    static InputStream openStream(Path file) {
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw InputFileException.unreadable(file, e);
        }
    }

    /** The first {@code size} bytes of {@code in}, then the end. */
    static InputStream firstBytes(InputStream in, long size) {
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
}
