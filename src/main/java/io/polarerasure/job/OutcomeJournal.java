package io.polarerasure.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.polarerasure.report.AuditLine;

/**
 * Remembers, outside the chunk transaction, what was sent to Polar for each row of a run.
 * Spring Batch rolls back an interrupted chunk and processes it again on restart, but a DELETE
 * cannot be rolled back: resent, it answers 404 (misreporting an erasure) or, worse, erases a new
 * customer that reused the freed external ID. So each DELETE of a row is recorded (SENDING, with its
 * number and the time it was sent) before it goes, and the row's outcome is written as soon as Polar
 * answered: a resumed run knows how many DELETEs went out and when the first did. The journal is emptied once the
 * chunk holding those rows has committed: until then it is the crash evidence.
 *
 * <p>One append-only file per run in the state folder, one line per record. A record is written
 * with one {@code write} and no {@code fsync}: a killed process loses nothing, since the kernel
 * already holds it, at a few microseconds per row. Only a machine crash can lose the tail, so the
 * file names the boot it was written in; opened after a reboot, or missing when a run resumes, the
 * journal is incomplete, and every row of the interrupted chunk without a recorded outcome is
 * marked as possibly sent. Its rows are then reported with that doubt, never as something else. The records
 * and how they are replayed are {@link JournalRecords}'s, shared with {@link DatabaseJournal}.
 *
 * <p>Thread-safe: the rows of a chunk are decided concurrently.
 */
public final class OutcomeJournal implements RunJournal {

    /**
     * What the journal knows about one row.
     *
     * @param sending     true while DELETEs were sent without a recorded outcome: the row is in doubt
     * @param line        the recorded outcome, or null while sending
     * @param attempts    DELETEs recorded as sent for the row while sending (0 when unknown)
     * @param firstSentAt when the first of them was sent, or null when unknown: the row was put in doubt because
     *                    the journal of an interrupted execution was lost (or came from an older version)
     */
    public record Entry(boolean sending, AuditLine line, int attempts, Instant firstSentAt) {

        /** An outcome ({@code sending} false), or a row in doubt whose attempts are unknown. */
        public Entry(boolean sending, AuditLine line) {
            this(sending, line, 0, null);
        }

        /**
         * A row whose DELETEs provably changed nothing (answered 429, or refused as a whole) and that was withdrawn
         * at a stop: not in doubt, not answered, but {@code attempts} requests were sent and count in its report.
         */
        public static Entry withdrawn(int attempts) {
            return new Entry(false, null, attempts, null);
        }

        /** Whether this is {@link #withdrawn}: neither in doubt nor answered. */
        public boolean isWithdrawn() {
            return !sending && line == null;
        }
    }

    private static final String HEADER = "polar-erasure journal 1";
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    private final Path file;
    private final String bootId;
    private FileChannel channel;
    private long headerBytes;

    /**
     * @param bootId identifies the running boot of this machine ({@link #currentBootId()}); a journal
     *               written in another boot may have lost its last records
     */
    public OutcomeJournal(Path file, String bootId) {
        this.file = file;
        this.bootId = bootId;
    }

    /** The run's journal in a state folder. */
    public static Path fileFor(Path stateDir, String runKey) {
        return stateDir.resolve("journal-" + runKey + ".log");
    }

    /** Linux's boot id, or "unknown" where there is none: such a journal is then always trusted. */
    public static String currentBootId() {
        try {
            return Files.readString(BOOT_ID).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * Opens the journal for an execution and returns what earlier executions recorded.
     *
     * @param resuming      whether an earlier execution of this run may have sent rows
     * @param doubtFrom     first row the interrupted execution may have sent unrecorded, if its journal is incomplete
     * @param doubtThrough  last such row (the end of its chunk)
     */
    public synchronized Map<Long, Entry> open(boolean resuming, long doubtFrom, long doubtThrough) {
        try {
            Map<Long, Entry> entries = resuming ? recorded(doubtFrom, doubtThrough) : new HashMap<>();
            rewrite(entries);
            return entries;
        } catch (IOException e) {
            throw new RunStorageException("Cannot open the journal " + file + ": " + e.getMessage()
                    + ". Check that the state folder is writable, then run the same command again.", e);
        }
    }

    /**
     * What earlier executions recorded, without changing the file: rows whose answer a machine crash may have
     * taken with it (the journal is missing, or was written in another boot) count as possibly sent.
     *
     * @param doubtFrom    first row the interrupted execution may have sent unrecorded, if its journal is incomplete
     * @param doubtThrough last such row (the end of its chunk)
     * @throws IOException if the journal cannot be read
     */
    public Map<Long, Entry> recorded(long doubtFrom, long doubtThrough) throws IOException {
        List<String> lines = Files.exists(file) ? wholeLines(file) : List.of();
        return JournalRecords.replay(file, lines, !lines.isEmpty() && lines.get(0).equals(HEADER + " " + bootId),
                doubtFrom, doubtThrough);
    }

    /**
     * Starts this boot's file with what is known (at most the interrupted chunk's rows), forced to disk
     * and renamed into place, so that the header is durable before anything is sent.
     */
    private void rewrite(Map<Long, Entry> entries) throws IOException {
        close();
        Path fresh = fresh();
        StringBuilder text = new StringBuilder(HEADER).append(' ').append(bootId).append('\n');
        headerBytes = text.length();
        entries.forEach((row, entry) -> text.append(JournalRecords.record(row, entry)));
        // A leftover of a crash is removed, not reused: whatever is at the path (a planted link) is not followed.
        Files.deleteIfExists(fresh);
        try (FileChannel out = StateFolder.createNew(fresh)) {
            out.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
            out.force(true);
        }
        Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel folder = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            folder.force(true);
        } catch (IOException ignored) {
            // Not every platform can force a folder; the file itself is already on disk.
        }
        channel = StateFolder.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    private Path fresh() {
        return file.resolveSibling(file.getFileName() + ".new");
    }

    /**
     * Records that a DELETE for this row is about to be sent.
     *
     * @param attempt the DELETE's number for the row across all executions of the run (1 first)
     * @param at      when it is sent
     */
    public void markSending(long row, int attempt, Instant at) {
        append(JournalRecords.sendingRecord(row, attempt, at));
    }

    /**
     * Withdraws a SENDING mark for a row whose requests provably changed nothing (refused credentials, 429s).
     *
     * @param attempts DELETEs sent for the row so far, across executions: the next execution counts on from there
     */
    public void unmark(long row, int attempts) {
        append(JournalRecords.unmarkRecord(row, attempts));
    }

    /** Records the row's final outcome. */
    public void record(AuditLine line) {
        append(JournalRecords.outcomeRecord(line));
    }

    /** Empties the journal: called once a chunk has committed, when its report lines are the record. */
    public synchronized void clear() {
        try {
            channel.truncate(headerBytes);
        } catch (IOException e) {
            throw new RunStorageException("Cannot empty the journal " + file + ": " + e.getMessage()
                    + ". The chunk is committed; fix the state folder and run the same command again to resume.", e);
        }
    }

    /** Deletes a completed run's journal: its report is now the record. */
    public synchronized void delete() {
        close();
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(fresh()); // left by a crash during open
        } catch (IOException e) {
            throw new RunStorageException("Cannot delete the journal " + file + " of a completed run: "
                    + e.getMessage() + ". Delete it by hand; it holds customers' external IDs.", e);
        }
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Every record was already handed to the kernel.
            }
            channel = null;
        }
    }

    private synchronized void append(String record) {
        if (channel == null) {
            throw new IllegalStateException("the outcome journal is closed: the run is ending");
        }
        ByteBuffer bytes = ByteBuffer.wrap(record.getBytes(StandardCharsets.UTF_8));
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            throw new RunStorageException("Cannot write the journal " + file + ": " + e.getMessage()
                    + ". Free disk space in the state folder, then run the same command again to resume.", e);
        }
    }

    /** What a journal file holds, as {@link #open} would read it in the boot that wrote it. */
    public static Map<Long, Entry> read(Path file) throws IOException {
        try {
            return JournalRecords.parse(file, wholeLines(file), true);
        } catch (NoSuchFileException e) {
            return Map.of();
        }
    }

    /**
     * The file's lines that end in a line break. A crash may cut the last record short: it is then the
     * mark of a row whose request was not sent yet, or an outcome that counts as lost, and is dropped.
     */
    private static List<String> wholeLines(Path file) throws IOException {
        String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        lines.remove(lines.size() - 1);
        return lines;
    }
}
