package io.polarerasure.job;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.polarerasure.report.AuditLine;

/**
 * The outcome journal kept in the job repository (table {@code polar_erasure_journal}), so that a run resumed on
 * any host sees what the interrupted one sent. Same records and semantics as {@link OutcomeJournal}'s file, one
 * table row per record. Every record is committed before its call returns, so a SENDING mark is durable before
 * the request leaves; concurrent workers' records are committed together (group commit: whichever worker finds
 * no commit under way commits everything queued so far in one transaction, the others wait for it), so a commit
 * costs one round trip for all workers instead of one each.
 *
 * <p>PostgreSQL commits are durable when they return, so unlike the file this journal is complete after any
 * crash; a run whose journal lacks the header record (started by a version that kept the journal in a file)
 * still gets the interrupted chunk marked as possibly sent. Only the lease holder writes a run's records.
 * Thread-safe.
 */
public final class DatabaseJournal implements RunJournal {

    static final String TABLE = "polar_erasure_journal";
    private static final String HEADER = "polar-erasure journal 1 database";
    private static final Path SOURCE = Path.of(TABLE);

    private final DataSource dataSource;
    private final String runKey;
    private final Object lock = new Object();
    /** Records not yet committed, in order; guarded by lock. */
    private final List<String> queued = new ArrayList<>();
    /** Sequence number of the last record queued, and of the last committed; guarded by lock. */
    private long lastQueued;
    private long lastCommitted;
    private boolean committing;
    /** Set when a commit failed: the journal then refuses every record (the run stops). */
    private RuntimeException broken;

    public DatabaseJournal(DataSource dataSource, String runKey) {
        this.dataSource = dataSource;
        this.runKey = runKey;
    }

    @Override
    public Map<Long, OutcomeJournal.Entry> recorded(long doubtFrom, long doubtThrough) throws IOException {
        try (Connection connection = dataSource.getConnection()) {
            return recorded(connection, doubtFrom, doubtThrough);
        } catch (SQLException e) {
            throw new IOException("cannot read the journal in the job repository: " + e.getMessage(), e);
        }
    }

    private Map<Long, OutcomeJournal.Entry> recorded(Connection connection, long doubtFrom, long doubtThrough)
            throws SQLException {
        List<String> lines = records(connection, runKey);
        return JournalRecords.replay(SOURCE, lines, !lines.isEmpty() && lines.get(0).equals(HEADER), doubtFrom,
                doubtThrough);
    }

    @Override
    public Map<Long, OutcomeJournal.Entry> open(boolean resuming, long doubtFrom, long doubtThrough) {
        try (Connection connection = dataSource.getConnection()) {
            Map<Long, OutcomeJournal.Entry> entries = resuming ? recorded(connection, doubtFrom, doubtThrough)
                    : new HashMap<>();
            // This execution's journal starts with what is known (at most the interrupted chunk's rows).
            connection.setAutoCommit(false);
            abortIfPaused(connection);
            delete(connection, 0);
            List<String> records = new ArrayList<>();
            records.add(HEADER);
            entries.forEach((row, entry) -> {
                for (String record : JournalRecords.record(row, entry).split("\n")) {
                    records.add(record);
                }
            });
            insert(connection, 0, records);
            connection.commit();
            synchronized (lock) {
                lastQueued = records.size() - 1;
                lastCommitted = lastQueued;
                queued.clear();
                broken = null;
            }
            return entries;
        } catch (SQLException e) {
            throw new RunStorageException("Cannot open the journal in the job repository (" + e.getMessage()
                    + "). Check that the database answers, then run the same command again.", e);
        }
    }

    @Override
    public void markSending(long row, int attempt, Instant at) {
        append(JournalRecords.sendingRecord(row, attempt, at));
    }

    @Override
    public void unmark(long row, int attempts) {
        append(JournalRecords.unmarkRecord(row, attempts));
    }

    @Override
    public void record(AuditLine line) {
        append(JournalRecords.outcomeRecord(line));
    }

    /** Queues the record and returns once it is committed, committing the queue itself if nobody else is. */
    private void append(String record) {
        long mine;
        synchronized (lock) {
            failIfBroken();
            queued.add(strip(record));
            mine = ++lastQueued;
        }
        while (true) {
            List<String> batch;
            long first;
            synchronized (lock) {
                while (committing && lastCommitted < mine && broken == null) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while journaling; the row was not sent", e);
                    }
                }
                failIfBroken();
                if (lastCommitted >= mine) {
                    return;
                }
                committing = true;
                batch = new ArrayList<>(queued);
                queued.clear();
                first = lastCommitted + 1;
            }
            RuntimeException failure = null;
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                abortIfPaused(connection);
                insert(connection, first, batch);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                failure = new IllegalStateException("Cannot write the journal in the job repository ("
                        + e.getMessage() + "). Check that the database answers, then run the same command again to"
                        + " resume.", e);
            }
            synchronized (lock) {
                committing = false;
                if (failure == null) {
                    lastCommitted = first + batch.size() - 1;
                } else {
                    broken = failure;
                }
                lock.notifyAll();
            }
        }
    }

    private void failIfBroken() {
        if (broken != null) {
            throw new IllegalStateException(broken.getMessage(), broken);
        }
    }

    @Override
    public void clear() {
        try (Connection connection = dataSource.getConnection()) {
            delete(connection, 1);
        } catch (SQLException e) {
            throw new RunStorageException("Cannot empty the journal in the job repository (" + e.getMessage()
                    + "). The chunk is committed; run the same command again to resume.", e);
        }
    }

    @Override
    public void delete() {
        try (Connection connection = dataSource.getConnection()) {
            delete(connection, 0);
        } catch (SQLException e) {
            throw new RunStorageException("Cannot delete the journal of a completed run from the job repository ("
                    + e.getMessage() + "). Delete its rows from " + TABLE + " by hand: they hold customers' external"
                    + " IDs.", e);
        }
    }

    @Override
    public void close() {
        // Nothing is held between records.
    }

    /** What the journal of a run holds, as {@link #open} would read it; empty if there is none. */
    public static Map<Long, OutcomeJournal.Entry> read(DataSource dataSource, String runKey) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return JournalRecords.parse(SOURCE, records(connection, runKey), true);
        }
    }

    /** The journal's table, for {@link RepositorySchema}: the same SQL for H2 and PostgreSQL. */
    static String createTable() {
        return "CREATE TABLE IF NOT EXISTS " + TABLE + " (run_key VARCHAR(200) NOT NULL, seq BIGINT NOT NULL,"
                + " record VARCHAR NOT NULL, PRIMARY KEY (run_key, seq))";
    }

    /** The run's records in order; the first is the header, which parse skips. */
    private static List<String> records(Connection connection, String runKey) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT record FROM " + TABLE
                + " WHERE run_key = ? ORDER BY seq")) {
            select.setString(1, runKey);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    lines.add(rows.getString(1));
                }
            }
        }
        if (!lines.isEmpty() && !lines.get(0).equals(HEADER)) {
            lines.add(0, ""); // no header: parse skips the first line, which is a record here
        }
        return lines;
    }

    /**
     * A journal transaction lasts milliseconds. One left open for {@value #PAUSED_SECONDS} s means its process was
     * paused (SIGSTOP, a frozen VM) part-way: PostgreSQL then ends that session, so its uncommitted records stop
     * blocking the host that took the run over, which writes the same keys (it had waited for ever). The paused
     * process finds its connection closed when it wakes and stops, resumable. H2 (tests) has no such setting.
     */
    private static void abortIfPaused(Connection connection) throws SQLException {
        if ("PostgreSQL".equals(connection.getMetaData().getDatabaseProductName())) {
            try (java.sql.Statement set = connection.createStatement()) {
                set.execute("SET LOCAL idle_in_transaction_session_timeout = '" + PAUSED_SECONDS + "s'");
            }
        }
    }

    private static final int PAUSED_SECONDS = 5;

    private void insert(Connection connection, long firstSeq, List<String> records) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + TABLE
                + " (run_key, seq, record) VALUES (?, ?, ?)")) {
            for (int i = 0; i < records.size(); i++) {
                insert.setString(1, runKey);
                insert.setLong(2, firstSeq + i);
                insert.setString(3, records.get(i));
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private void delete(Connection connection, long fromSeq) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + TABLE
                + " WHERE run_key = ? AND seq >= ?")) {
            delete.setString(1, runKey);
            delete.setLong(2, fromSeq);
            delete.executeUpdate();
        }
    }

    private static String strip(String record) {
        return record.endsWith("\n") ? record.substring(0, record.length() - 1) : record;
    }
}
