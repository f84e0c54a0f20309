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

import io.polarerasure.kernel.Sha256;

import org.apache.commons.io.input.BoundedInputStream;

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
        try (InputStream in = new DigestInputStream(BoundedInputStream.builder()
                .setInputStream(Files.newInputStream(report)).setMaxCount(bytes).get(), digest);
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
}
