package io.polarerasure.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;

import io.polarerasure.Sha256;

/**
 * What a report file on disk holds, read in one pass: the SHA-256 of its bytes and its counts per outcome.
 *
 * @param sha256 lowercase hex, as {@code sha256sum} prints it
 */
public record ReportFacts(String sha256, ReportCounts counts) {

    /** Data rows in the report (the header is not counted). */
    public long rows() {
        return counts.total();
    }

    /** @throws IOException if the file cannot be read or is not an audit report */
    public static ReportFacts read(Path report) throws IOException {
        return read(report, Long.MAX_VALUE);
    }

    /**
     * What the first {@code bytes} bytes of a report hold: the part a run committed at its last checkpoint.
     *
     * @throws IOException if the file cannot be read or is not an audit report
     */
    public static ReportFacts read(Path report, long bytes) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        ReportCounts counts;
        try (InputStream in = new DigestInputStream(new BoundedStream(Files.newInputStream(report), bytes), digest);
             Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            try {
                counts = ReportCounts.parse(reader);
            } catch (RuntimeException e) {
                throw new IOException(report + " cannot be read as an audit report (" + e.getMessage() + ")", e);
            }
            // The hash covers every byte, also any the parser did not need to look at.
            in.transferTo(OutputStream.nullOutputStream());
        }
        return new ReportFacts(Sha256.hex(digest), counts);
    }

    /** Ends after a number of bytes. */
    private static final class BoundedStream extends java.io.FilterInputStream {

        private long left;

        BoundedStream(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            left -= b < 0 ? 0 : 1;
            return b;
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
    }
}
