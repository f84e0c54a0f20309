package io.polarerasure.job;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

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
 * Rows of a run are deleted when the run completes; until then they are its crash evidence.
 * Thread-safe: every call runs in a new transaction of its own.
 */
public final class OutcomeJournal {

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

    public OutcomeJournal(JdbcTemplate jdbc, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.ownTransaction = new TransactionTemplate(transactionManager);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    public Optional<Entry> find(String runKey, long row) {
        List<Entry> found = ownTransaction.execute(status -> jdbc.query(
                "SELECT external_id, outcome, http_status, attempts, detail, processed_at_ms"
                        + " FROM erasure_journal WHERE run_key = ? AND row_no = ?",
                (rs, i) -> {
                    String outcome = rs.getString("outcome");
                    if (outcome == null) {
                        return new Entry(true, null);
                    }
                    int code = rs.getInt("http_status");
                    Integer httpStatus = rs.wasNull() ? null : code;
                    return new Entry(false, new AuditLine(row, rs.getString("external_id"), Outcome.valueOf(outcome),
                            httpStatus, rs.getInt("attempts"), rs.getString("detail"),
                            Instant.ofEpochMilli(rs.getLong("processed_at_ms"))));
                },
                runKey, row));
        return found == null || found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /** Commits that a request for this row is about to be sent. */
    public void markSending(String runKey, long row, String externalId) {
        ownTransaction.executeWithoutResult(status -> jdbc.update(
                "INSERT INTO erasure_journal (run_key, row_no, external_id) VALUES (?, ?, ?)",
                runKey, row, externalId));
    }

    /** Withdraws a SENDING mark for a row whose request provably changed nothing (refused credentials). */
    public void unmark(String runKey, long row) {
        ownTransaction.executeWithoutResult(status -> jdbc.update(
                "DELETE FROM erasure_journal WHERE run_key = ? AND row_no = ? AND outcome IS NULL", runKey, row));
    }

    /** Commits the row's final outcome. The row must have been marked before. */
    public void record(String runKey, AuditLine line) {
        ownTransaction.executeWithoutResult(status -> jdbc.update(
                "UPDATE erasure_journal SET outcome = ?, http_status = ?, attempts = ?, detail = ?, processed_at_ms = ?"
                        + " WHERE run_key = ? AND row_no = ?",
                line.outcome().name(), line.httpStatus(), line.attempts(), line.detail(),
                line.processedAt().toEpochMilli(), runKey, line.row()));
    }

    /** Drops a completed run's rows: its report is now the record. */
    public void forget(String runKey) {
        ownTransaction.executeWithoutResult(status ->
                jdbc.update("DELETE FROM erasure_journal WHERE run_key = ?", runKey));
    }
}
