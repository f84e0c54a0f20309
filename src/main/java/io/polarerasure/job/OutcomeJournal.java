package io.polarerasure.job;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Remembers, outside the chunk transaction, what was sent to Polar for each row of a run.
 * Spring Batch rolls back an interrupted chunk and processes it again on restart, but a DELETE
 * cannot be rolled back: resent, it answers 404 (misreporting an erasure) or, worse, erases a new
 * customer that reused the freed external ID. So each row is marked SENDING in its own committed
 * transaction before its first request, and its outcome is committed as soon as Polar answered.
 * A row leaves the journal when the chunk holding its report line commits; until then it is the
 * crash evidence. Thread-safe: every call but {@link #forgetThrough} runs in a transaction of its own
 * (marks and outcomes of concurrent workers share one, see {@link GroupCommit}).
 */
public final class OutcomeJournal implements AutoCloseable {

    /** What the journal knows about one row. */
    public record Entry(boolean sending, AuditLine line) {
    }

    static final String DDL = """
            CREATE TABLE IF NOT EXISTS erasure_journal (
                run_key VARCHAR(64) NOT NULL,
                row_no BIGINT NOT NULL,
                external_id VARCHAR,
                outcome VARCHAR(16),
                http_status INTEGER,
                attempts INTEGER,
                detail VARCHAR,
                processed_at_ms BIGINT,
                PRIMARY KEY (run_key, row_no)
            )""";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate ownTransaction;
    private final GroupCommit commits;

    public OutcomeJournal(JdbcTemplate jdbc, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.ownTransaction = new TransactionTemplate(transactionManager);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.commits = new GroupCommit(jdbc, ownTransaction);
    }

    /** Stops the commit thread; Spring calls it when the run's context closes. */
    @Override
    public void close() {
        commits.close();
    }

    /**
     * Everything recorded for a run's rows that are not yet in the report. Small: rows leave the
     * journal in the transaction that commits their chunk ({@link #forgetThrough}).
     */
    public Map<Long, Entry> load(String runKey) {
        Map<Long, Entry> entries = new HashMap<>();
        ownTransaction.executeWithoutResult(status -> jdbc.query(
                "SELECT row_no, external_id, outcome, http_status, attempts, detail, processed_at_ms"
                        + " FROM erasure_journal WHERE run_key = ?",
                rs -> {
                    long row = rs.getLong("row_no");
                    String outcome = rs.getString("outcome");
                    if (outcome == null) {
                        entries.put(row, new Entry(true, null));
                        return;
                    }
                    int code = rs.getInt("http_status");
                    Integer httpStatus = rs.wasNull() ? null : code;
                    entries.put(row, new Entry(false, new AuditLine(row, rs.getString("external_id"),
                            Outcome.valueOf(outcome), httpStatus, rs.getInt("attempts"), rs.getString("detail"),
                            Instant.ofEpochMilli(rs.getLong("processed_at_ms")))));
                },
                runKey));
        return entries;
    }

    /** Commits that a request for this row is about to be sent. */
    public void markSending(String runKey, long row, String externalId) {
        commits.write("INSERT INTO erasure_journal (run_key, row_no, external_id) VALUES (?, ?, ?)",
                runKey, row, externalId);
    }

    /** Withdraws a SENDING mark for a row whose request provably changed nothing (refused credentials). */
    public void unmark(String runKey, long row) {
        ownTransaction.executeWithoutResult(status -> jdbc.update(
                "DELETE FROM erasure_journal WHERE run_key = ? AND row_no = ? AND outcome IS NULL", runKey, row));
    }

    /**
     * Queues the row's final outcome for the next commit, a moment after Polar answered, without
     * waiting for it: {@link #flush} waits before the chunk holding the row commits. A crash in
     * between leaves the row marked SENDING, which is reported as in doubt, never as something else.
     */
    public void record(String runKey, AuditLine line) {
        commits.writeLater("UPDATE erasure_journal SET outcome = ?, http_status = ?, attempts = ?, detail = ?,"
                        + " processed_at_ms = ? WHERE run_key = ? AND row_no = ?",
                line.outcome().name(), line.httpStatus(), line.attempts(), line.detail(),
                line.processedAt().toEpochMilli(), runKey, line.row());
    }

    /** Returns once every outcome recorded so far is committed. */
    public void flush() {
        commits.flush();
    }

    /**
     * Drops the rows up to this one, in the caller's transaction: called while a chunk commits, so
     * the rows leave the journal exactly when their report lines become the record.
     */
    public void forgetThrough(String runKey, long row) {
        jdbc.update("DELETE FROM erasure_journal WHERE run_key = ? AND row_no <= ?", runKey, row);
    }

    /** Drops a completed run's rows: its report is now the record. */
    public void forget(String runKey) {
        ownTransaction.executeWithoutResult(status ->
                jdbc.update("DELETE FROM erasure_journal WHERE run_key = ?", runKey));
    }
}
