package io.polarerasure.input;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.polarerasure.kernel.Sha256;

/**
 * Reads a whole request file once before the job sends anything: every encoding or CSV error stops the run while
 * no customer has been touched yet, and the same pass yields the file's SHA-256 for the audit report, the row
 * count and the duplicates.
 */
public final class RequestScan {

    private RequestScan() {
    }

    /** As {@link #scan(Path, RequestOptions)} for a file with a header naming {@code idColumn}. */
    public static ScanResult scan(Path file, String idColumn) {
        return scan(file, RequestOptions.of(idColumn));
    }

    /**
     * @throws InputFileException if the file cannot be used; see {@link RequestFile}
     */
    public static ScanResult scan(Path file, RequestOptions options) {
        RequestFile requests = RequestFile.open(file, options);
        MessageDigest sha256 = Sha256.newDigest();
        DuplicateIndex.Builder duplicates = new DuplicateIndex.Builder();
        long size = size(file);
        long rows = 0;
        long line = 1;
        long skipped;
        Set<String> retryApis = new LinkedHashSet<>();
        try (RequestFile.Rows all = requests.rows(sha256, size)) {
            for (RequestRow row = all.next(); row != null; row = all.next()) {
                if (row.origin() != null) {
                    retryApis.addAll(row.origin().originalApis());
                }
                rows = row.row();
                line = row.line();
                // Invalid IDs are never sent, so they neither are nor cause duplicates.
                if (row.valid()) {
                    duplicates.add(row.row(), row.externalId());
                }
            }
            skipped = all.skipped();
        }
        // A run is identified by the SHA-256 of the bytes scanned: a file that changed meanwhile (an export still
        // being written) has no single identity, and its later rows were never checked.
        if (size(file) != size) {
            throw InputFileException.at(file, line, "the file changed while it was being read (" + size + " bytes at"
                    + " the start, " + size(file) + " now). If an export is still writing it, wait until it is done,"
                    + " then run again. Nothing was sent.");
        }
        // The parser has read to the end of the text, hence the digest has seen every byte.
        return new ScanResult(file, Sha256.hex(sha256), rows, duplicates.build(), options, skipped,
                List.copyOf(retryApis));
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw InputFileException.unreadable(file, e);
        }
    }
}
