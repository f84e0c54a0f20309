package io.polarerasure.job;

import java.nio.file.Path;
import java.util.Objects;

import io.polarerasure.input.InputFileException;
import io.polarerasure.input.RequestFile;
import io.polarerasure.input.RequestOptions;
import io.polarerasure.input.RequestRow;

import org.springframework.batch.infrastructure.item.support.AbstractItemCountingItemStreamItemReader;

/**
 * Reads the rows of a request file in order, for the erasure step.
 *
 * <p>Restart: the base class saves the number of rows read under {@code requestReader.read.count} in the step's
 * ExecutionContext at each commit, and on open skips that many rows, so a restarted run continues with the first
 * row not committed. Positions only mean something for the same bytes, so a restart must use the unchanged file
 * (its SHA-256 from {@link io.polarerasure.input.RequestScan} tells); one with fewer rows than were already read fails to open. Errors
 * from opening reach the caller as the cause of the base class's {@code ItemStreamException}.
 *
 * <p>Not thread-safe: the step reads from one thread ({@link ChunkWorkers} hands the rows to the workers).
 */
public final class RequestReader extends AbstractItemCountingItemStreamItemReader<RequestRow> {

    private final Path file;
    private final RequestOptions options;
    /** The scan found no rows: nothing is read (Batch refuses a limit of 0). */
    private final boolean empty;
    private RequestFile.Rows rows;

    /** As {@link #RequestReader(Path, RequestOptions, long)} for a file with a header naming {@code idColumn}. */
    public RequestReader(Path file, String idColumn, long scannedRows) {
        this(file, RequestOptions.of(idColumn), scannedRows);
    }

    /**
     * @param scannedRows the rows {@link io.polarerasure.input.RequestScan} found: no more are read, so rows appended to the file since
     *                    (not validated, not checked for duplicates, not part of the run's SHA-256) are never sent
     */
    public RequestReader(Path file, RequestOptions options, long scannedRows) {
        this.file = Objects.requireNonNull(file, "file");
        this.options = Objects.requireNonNull(options, "options");
        this.empty = scannedRows == 0;
        setMaxItemCount(Math.toIntExact(Math.max(1, scannedRows)));
        // Restart data is keyed by this name; a stable name keeps it readable across versions of the job.
        setName("requestReader");
    }

    @Override
    protected void doOpen() {
        rows = RequestFile.open(file, options).rows();
    }

    @Override
    protected RequestRow doRead() {
        return empty ? null : rows.next();
    }

    /** Skips without the base class's per-item bookkeeping, and refuses a file shorter than the saved position. */
    @Override
    protected void jumpToItem(int itemIndex) {
        for (int skipped = 0; skipped < itemIndex; skipped++) {
            if (rows.next() == null) {
                throw new InputFileException(file + " has " + skipped + " rows, but an earlier run of this job"
                        + " had already read " + itemIndex + ". The file was changed after the job started; restore"
                        + " the original file to resume, or start a new job with the new file.");
            }
        }
    }

    @Override
    protected void doClose() {
        if (rows != null) {
            rows.close();
            rows = null;
        }
    }
}
