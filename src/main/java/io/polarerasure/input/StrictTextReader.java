package io.polarerasure.input;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns the bytes of a request file into text the CSV parser may trust, or stops the run with the exact line of
 * the fault: strict UTF-8 (an InputStreamReader would silently replace bad bytes and so change IDs), a leading
 * BOM dropped, NUL refused (the usual sign of a spreadsheet or UTF-16 file), and a cap on the size of one record so
 * that an unclosed quote in a large file fails fast instead of exhausting the heap.
 *
 * <p>Lines are counted as Commons CSV counts them (CR, LF and CRLF each end one line). Not thread-safe.
 */
final class StrictTextReader extends Reader {

    /** No plausible request record comes near this; the ID itself is limited to 1,024 characters. */
    static final int MAX_RECORD_CHARS = 65_536;

    /**
     * Commons CSV reads ahead of the record it parses by up to its buffer size (8 KiB). Allowing that much on top
     * of the limit means a record of {@link #MAX_RECORD_CHARS} is always accepted, whatever the alignment.
     */
    static final int PARSER_READ_AHEAD = 8_192;

    private static final char BOM = '\uFEFF';

    private final InputStream in;
    private final Path file;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes = ByteBuffer.allocate(8_192).flip();
    private final CharBuffer chars = CharBuffer.allocate(8_192).flip();
    private boolean endOfBytes;
    private boolean endOfText;
    private String malformedBytes;
    private boolean atStart = true;

    private long line = 1;
    private boolean afterCr;
    private long recordStartLine = 1;
    private long charsSinceRecordStart;

    StrictTextReader(InputStream in, Path file) {
        this.in = in;
        this.file = file;
    }

    /** Called before each record is parsed: restarts the size cap and names the line for its message. */
    void startRecord(long startLine) {
        recordStartLine = startLine;
        charsSinceRecordStart = 0;
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!chars.hasRemaining() && !fill()) {
            return -1;
        }
        int count = Math.min(length, chars.remaining());
        chars.get(buffer, offset, count);
        inspect(buffer, offset, count);
        return count;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Decodes the next chunk; false at the end of the text. Chars before a malformed byte are delivered first. */
    private boolean fill() throws IOException {
        while (true) {
            if (malformedBytes != null) {
                throw InputFileException.at(file, line, malformedBytes + " not valid UTF-8, so the file is not UTF-8"
                        + " text (perhaps Windows-1252 or Latin-1). Save it as UTF-8 (in Excel: \"CSV UTF-8\") and run"
                        + " again.");
            }
            if (endOfText) {
                return false;
            }
            chars.clear();
            CoderResult result = decoder.decode(bytes, chars, endOfBytes);
            if (result.isError()) {
                malformedBytes = describe(result.length());
            } else if (result.isUnderflow()) {
                if (endOfBytes) {
                    decoder.flush(chars);
                    endOfText = true;
                } else {
                    readBytes();
                }
            }
            chars.flip();
            if (atStart && chars.hasRemaining()) {
                atStart = false;
                if (chars.get(chars.position()) == BOM) {
                    chars.get();
                }
            }
            if (chars.hasRemaining()) {
                return true;
            }
        }
    }

    private void readBytes() throws IOException {
        bytes.compact();
        int count = in.read(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
        if (count < 0) {
            endOfBytes = true;
        } else {
            bytes.position(bytes.position() + count);
        }
        bytes.flip();
    }

    private String describe(int length) {
        StringBuilder hex = new StringBuilder(length == 1 ? "byte" : "bytes");
        for (int i = 0; i < length; i++) {
            hex.append(String.format(Locale.ROOT, " 0x%02X", bytes.get(bytes.position() + i)));
        }
        return hex.append(length == 1 ? " is" : " are").toString();
    }

    private void inspect(char[] buffer, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            char c = buffer[i];
            if (c == '\0') {
                throw InputFileException.at(file, line, "the file contains a NUL byte, so it is not UTF-8 text (a"
                        + " spreadsheet, or text saved as UTF-16?). Export the requests as a UTF-8 CSV file and run"
                        + " again.");
            }
            if (c == '\r' || c == '\n' && !afterCr) {
                line++;
            }
            afterCr = c == '\r';
        }
        charsSinceRecordStart += count;
        if (charsSinceRecordStart > MAX_RECORD_CHARS + PARSER_READ_AHEAD) {
            throw InputFileException.at(file, recordStartLine, String.format(Locale.ROOT, "the record starting here"
                    + " is longer than %,d characters. Usually a quoted field is never closed: fix the quoting (a"
                    + " quote inside a quoted field is written as two quotes) and run again.", MAX_RECORD_CHARS));
        }
    }
}
