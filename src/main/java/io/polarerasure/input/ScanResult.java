package io.polarerasure.input;

import java.nio.file.Path;
import java.util.List;

/**
 * What one full pass over a request file established before anything is sent.
 *
 * @param file       the request file
 * @param sha256     SHA-256 of the file's bytes, lowercase hex, as {@code sha256sum} prints it
 * @param rows       number of data rows (header and blank lines not counted)
 * @param duplicates which rows repeat an earlier valid row's ID
 * @param options    how the file was read; a later pass must read it the same way
 * @param skipped    records of only empty fields, passed over like blank lines (not rows)
 * @param retryApis  for a retry file, the APIs its rows' original runs were started against ({@code
 *                   original_api_url}), distinct, in order of first appearance; empty for any other file
 */
public record ScanResult(Path file, String sha256, long rows, DuplicateIndex duplicates,
                         RequestOptions options, long skipped, List<String> retryApis) {

    public ScanResult {
        retryApis = List.copyOf(retryApis);
    }
}
