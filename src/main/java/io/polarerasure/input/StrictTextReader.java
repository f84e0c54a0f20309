package io.polarerasure.input;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns the bytes of a request file into text the CSV parser may trust, or stops the run with the exact line of
 * the fault: strict decoding (an InputStreamReader would silently replace bad bytes and so change IDs), and a cap on
 * the size of one record so that an unclosed quote in a large file fails fast instead of exhausting the heap.
 *
 * <p>Encoding: a byte order mark picks UTF-8, UTF-16LE (Excel's "Unicode Text") or UTF-16BE and is dropped; without
 * one the text must be UTF-8. Before decoding, the first {@value #SNIFF_BYTES} bytes are examined so that a file
 * that is not UTF-8 text gets the right diagnosis: an old {@code .xls}, UTF-16 without a byte order mark (every
 * other byte zero), or binary data (many control bytes). A zip archive never gets here: {@link RequestFile} reads
 * it as a workbook. A NUL or other control
 * character elsewhere is left to the row it is in ({@link IdRules} makes that row INVALID).
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

    /** How much of the file's start is examined to tell text from what is not. */
    static final int SNIFF_BYTES = 4_096;

    private final InputStream in;
    private final Path file;
    private CharsetDecoder decoder;
    private String encoding;
    private final ByteBuffer bytes = ByteBuffer.allocate(8_192).flip();
    private final CharBuffer chars = CharBuffer.allocate(8_192).flip();
    private boolean endOfBytes;
    private boolean endOfText;
    private String malformedBytes;

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
        if (decoder == null) {
            start();
        }
        while (true) {
            if (malformedBytes != null) {
                throw InputFileException.at(file, line, encoding.equals("UTF-8")
                        ? malformedBytes + " not valid UTF-8, so the file is not UTF-8 text (perhaps Windows-1252 or"
                                + " Latin-1). Save it as UTF-8 (in Excel: \"CSV UTF-8\") and run again."
                        : malformedBytes + " not valid " + encoding + " (the file is cut off, or its byte order mark"
                                + " does not fit the text). Save it again as UTF-8 (in Excel: \"CSV UTF-8\") and run"
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
            if (chars.hasRemaining()) {
                return true;
            }
        }
    }

    /** Reads the first bytes, picks the decoder from the byte order mark, or refuses what is not text. */
    private void start() throws IOException {
        while (!endOfBytes && bytes.remaining() < SNIFF_BYTES) {
            readBytes();
        }
        Charset charset = StandardCharsets.UTF_8;
        int bom = 0;
        if (startsWith(0xEF, 0xBB, 0xBF)) {
            bom = 3;
        } else if (startsWith(0xFF, 0xFE)) {
            charset = StandardCharsets.UTF_16LE;
            bom = 2;
        } else if (startsWith(0xFE, 0xFF)) {
            charset = StandardCharsets.UTF_16BE;
            bom = 2;
        } else {
            refuseIfNotText();
        }
        bytes.position(bytes.position() + bom);
        encoding = charset == StandardCharsets.UTF_8 ? "UTF-8" : charset.name();
        decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    private boolean startsWith(int... prefix) {
        if (bytes.remaining() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes.get(bytes.position() + i) & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private void refuseIfNotText() {
        if (startsWith(0xD0, 0xCF, 0x11, 0xE0)) {
            throw InputFileException.at(file, 1, "the file is an old Excel workbook (.xls), not CSV text. Save it as"
                    + " .xlsx or as CSV UTF-8 and run again.");
        }
        int length = bytes.remaining();
        int[] zeros = new int[2];
        int controls = 0;
        for (int i = 0; i < length; i++) {
            int b = bytes.get(bytes.position() + i) & 0xFF;
            if (b == 0) {
                zeros[i % 2]++;
            }
            if (b < 0x20 && b != '\t' && b != '\n' && b != '\r' || b == 0x7F) {
                controls++;
            }
        }
        int pairs = length / 2;
        // ASCII text in UTF-16 has a zero in every other byte: the high byte of each character.
        if (pairs >= 2 && Math.max(zeros[0], zeros[1]) * 2 >= pairs && Math.min(zeros[0], zeros[1]) * 8 < pairs) {
            String order = zeros[1] > zeros[0] ? "UTF-16LE" : "UTF-16BE";
            throw InputFileException.at(file, 1, "the file looks like " + order + " text without a byte order mark,"
                    + " so its encoding cannot be known for sure. Save it as UTF-8 (in Excel: \"CSV UTF-8\"; Excel's"
                    + " \"Unicode Text\" also works, it writes the mark) and run again.");
        }
        if (controls >= 16 && controls * 20 > length) {
            throw InputFileException.at(file, 1, "the file is binary data, not UTF-8 text or any other text (" + controls
                    + " control bytes in its first " + length + "). Export the requests as CSV UTF-8 or as an .xlsx"
                    + " workbook and run again.");
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
