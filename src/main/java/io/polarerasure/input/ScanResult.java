package io.polarerasure.input;

import java.nio.file.Path;

/**
 * What one full pass over a request file established before anything is sent.
 *
 * @param file       the request file
 * @param sha256     SHA-256 of the file's bytes, lowercase hex, as {@code sha256sum} prints it
 * @param rows       number of data rows (header and blank lines not counted)
 * @param duplicates which rows repeat an earlier valid row's ID
 * @param options    how the file was read; a later pass must read it the same way
 * @param skipped    records of only empty fields, passed over like blank lines (not rows)
 */
public record ScanResult(Path file, String sha256, long rows, DuplicateIndex duplicates,
                         RequestOptions options, long skipped) {
}
