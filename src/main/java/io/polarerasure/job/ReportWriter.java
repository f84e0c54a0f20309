package io.polarerasure.job;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;

import io.polarerasure.kernel.Sha256;
import io.polarerasure.report.AtomicFile;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.ReportFormat;
import io.polarerasure.report.ReportTamperedException;

import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;

/**
 * Appends audit lines to the report and remembers, at each checkpoint, how many bytes were
 * committed and their SHA-256. On restart it checks that the committed part is untouched, then cuts
 * off whatever an interrupted chunk left after it, so every row ends up in the report exactly once.
 * Each chunk is forced to disk before the checkpoint that claims it. Used from one thread only.
 */
public final class ReportWriter implements ItemStreamWriter<AuditLine> {

    /** The step's checkpoint of the report's length in bytes. */
    public static final String COMMITTED_BYTES = "report.committed.bytes";
    /** The step's checkpoint of the report's SHA-256: after the last chunk, that of the final report. */
    public static final String COMMITTED_SHA256 = "report.committed.sha256";
    /** The step's checkpoint of the rows per chunk of the execution that committed last. */
    public static final String CHUNK_ROWS = "report.chunk.rows";

    private final Path path;
    private final List<String> extraColumns;
    private final int chunkRows;
    private FileChannel channel;
    private MessageDigest digest;

    public ReportWriter(Path path) {
        this(path, List.of(), Integer.MAX_VALUE);
    }

    /**
     * @param extraColumns columns after the seven, whose cells each line carries (a retry run's origin)
     * @param chunkRows    rows per chunk of this execution: the most lines a stop can leave after the checkpoint
     */
    public ReportWriter(Path path, List<String> extraColumns, int chunkRows) {
        this.path = path;
        this.extraColumns = List.copyOf(extraColumns);
        this.chunkRows = chunkRows;
    }

    @Override
    public void open(ExecutionContext context) {
        try {
            digest = Sha256.newDigest();
            if (context.containsKey(COMMITTED_BYTES)) {
                reopen(context.getLong(COMMITTED_BYTES), context.getString(COMMITTED_SHA256),
                        Math.max(chunkRows, context.getInt(CHUNK_ROWS, 0)));
            } else {
                // No checkpoint yet: anything at this path is the output of an interrupted first chunk.
                Files.deleteIfExists(path);
                ReportFormat.createOwnerOnly(path);
                channel = FileChannel.open(path, StandardOpenOption.WRITE);
                append(ReportFormat.headerBytes(extraColumns));
            }
        } catch (IOException e) {
            throw new RunStorageException("Cannot open the report " + path + ": " + e.getMessage()
                    + ". Check that its folder exists and is writable, then run the same command again.", e);
        }
    }

    private void reopen(long committedBytes, String committedSha256, int mostUncommitted) throws IOException {
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw new ReportTamperedException(path + " was deleted, but this run had already committed "
                    + committedBytes + " bytes of it, and its rows cannot be written twice. Restore the file from a"
                    + " backup and run the same command again; without a backup, close the run with `polar-erasure"
                    + " abandon --report " + path + "` (same --state-dir / --jdbc-url): it writes a new report there,"
                    + " rebuilding the committed rows from the ledger and recording every answer the run's journal"
                    + " holds, and marks each rebuilt row. Then run the file again with --rerun if rows are left.");
        }
        long size = channel.size();
        if (size < committedBytes) {
            channel.close();
            throw new ReportTamperedException(path + " is shorter (" + size + " bytes) than the "
                    + committedBytes + " bytes this run committed: it was truncated or replaced. Restore it from a"
                    + " backup and run the same command again.");
        }
        try (InputStream in = Channels.newInputStream(channel.position(0))) {
            byte[] buffer = new byte[64 * 1024];
            long left = committedBytes;
            while (left > 0) {
                int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                digest.update(buffer, 0, read);
                left -= read;
            }
        }
        // Channels.newInputStream closes the channel with the stream.
        channel = FileChannel.open(path, StandardOpenOption.WRITE);
        if (!Sha256.hex(cloneDigest()).equals(committedSha256)) {
            channel.close();
            throw new ReportTamperedException(path + " was changed after this run committed it (its first "
                    + committedBytes + " bytes no longer match their SHA-256). Restore the original from a backup"
                    + " and run the same command again; an edited report is no longer evidence.");
        }
        long uncommitted = rowsAfter(committedBytes);
        if (uncommitted > mostUncommitted) {
            channel.close();
            throw new ReportTamperedException(path + " holds " + uncommitted + " rows after the " + committedBytes
                    + " bytes the job repository says this run committed, more than the one chunk (at most "
                    + mostUncommitted + " rows) a stopped run leaves there: the job repository is older than the"
                    + " report (the state folder or the repository was put back from a backup or copy?). Cutting"
                    + " them off would lose their answers and send their IDs again, so the report was left as it is"
                    + " and nothing was sent. Put back the newest copy of the state folder (or of the job repository)"
                    + " and run the same command again. Without one, keep this report as the record of its rows and"
                    + " send only the rows it does not hold, as a new request file.");
        }
        channel.truncate(committedBytes);
        channel.position(committedBytes);
        channel.force(true);
    }

    /**
     * How many CSV records, the last perhaps cut short, the report holds after its first {@code offset} bytes (the
     * end of a chunk): line breaks outside quotes, counted without parsing, since a kill can cut a quoted field.
     */
    private long rowsAfter(long offset) throws IOException {
        long rows = 0;
        boolean quoted = false;
        boolean open = false;
        try (InputStream in = Channels.newInputStream(FileChannel.open(path, StandardOpenOption.READ)
                .position(offset))) {
            byte[] buffer = new byte[64 * 1024];
            for (int read = in.read(buffer); read > 0; read = in.read(buffer)) {
                for (int i = 0; i < read; i++) {
                    if (buffer[i] == '"') {
                        quoted = !quoted;
                    } else if (buffer[i] == '\n' && !quoted) {
                        rows++;
                        open = false;
                        continue;
                    }
                    open = true;
                }
            }
        }
        return open ? rows + 1 : rows;
    }

    @Override
    public void write(Chunk<? extends AuditLine> chunk) throws IOException {
        append(ReportFormat.linesBytes(chunk));
    }

    private void append(byte[] bytes) throws IOException {
        long before = channel.position();
        try {
            AtomicFile.writeFully(channel, bytes);
            channel.force(false);
        } catch (IOException e) {
            // Leave no half-written line behind (disk full): cut back to the last whole chunk.
            try {
                channel.truncate(before);
                channel.position(before);
            } catch (IOException ignored) {
                e.addSuppressed(ignored);
            }
            throw new RunStorageException("Cannot write the report " + path + ": " + e.getMessage()
                    + ". Free disk space or fix the file system, then run the same command again to resume.", e);
        }
        digest.update(bytes);
    }

    @Override
    public void update(ExecutionContext context) {
        if (chunkRows != Integer.MAX_VALUE) {
            context.putInt(CHUNK_ROWS, chunkRows);
        }
        try {
            context.putLong(COMMITTED_BYTES, channel.position());
        } catch (IOException e) {
            throw new ItemStreamException("Cannot read the position of the report " + path, e);
        }
        context.putString(COMMITTED_SHA256, Sha256.hex(cloneDigest()));
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                throw new ItemStreamException("Cannot close the report " + path, e);
            }
            channel = null;
        }
    }

    private MessageDigest cloneDigest() {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
        }
    }
}
