package io.polarerasure.job;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.polarerasure.kernel.Sha256;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The ledger of answers: every definitive answer Polar gave the job (DELETED, NOT_FOUND, REVIEW, and INVALID
 * on a 422), one row per report line, kept in the job repository beyond the life of a run. It keeps only the
 * report row number, the run (job instance id and input SHA-256), the external ID, the outcome, the HTTP status,
 * the time and the report's path: no other column of the input, no email, no detail text.
 *
 * <p>Written in the transaction of the chunk that reports the lines (the job repository's own {@link DataSource}
 * and transaction manager), so the ledger and the checkpoint never disagree; an abandoned run's journal answers are
 * written through {@link #recordAnswers} too. Entries stay until {@link #pruneBefore} removes them
 * ({@code polar-erasure prune --before DATE}). Thread-safe.
 */
public final class Ledger {

    /** The table, created by {@link RepositorySchema#ensure} on H2 and PostgreSQL alike. */
    static final String TABLE = "erasure_ledger";

    // VARCHAR(1000000) is H2's largest VARCHAR and fits PostgreSQL: external IDs have no length limit at Polar.
    // Looked up by the ID's SHA-256, so the index stays small whatever the IDs' length.
    static final List<String> DDL = List.of(
            "CREATE TABLE IF NOT EXISTS " + TABLE + " (job_instance_id BIGINT NOT NULL, input_sha256 VARCHAR(64)"
                    + " NOT NULL, input_row BIGINT NOT NULL, external_id VARCHAR(1000000) NOT NULL, id_sha256"
                    + " VARCHAR(64) NOT NULL, outcome VARCHAR(16) NOT NULL, http_status INTEGER, answered_at TIMESTAMP"
                    + " WITH TIME ZONE NOT NULL, report_path VARCHAR(4096) NOT NULL,"
                    + " PRIMARY KEY (job_instance_id, input_row))",
            "CREATE INDEX IF NOT EXISTS " + TABLE + "_id ON " + TABLE + " (id_sha256)");
    // No index on answered_at (repositories created before issue 18 keep theirs): only prune reads by time, and
    // it may scan; every answer of every run paid for keeping that index up to date.

    private static final String COLUMNS = "job_instance_id, input_sha256, input_row, external_id, outcome, http_status,"
            + " answered_at, report_path";

    /**
     * One answer.
     *
     * @param jobInstanceId the run (the same across its resumes)
     * @param inputSha256   the run's request file
     * @param row           the data row of the request file and the report
     * @param httpStatus    Polar's status (200 for a REVIEW: the look-up's answer)
     * @param answeredAt    when the answer was received (the report line's processed_at)
     * @param reportPath    the run's audit report, the proof
     */
    public record Entry(long jobInstanceId, String inputSha256, long row, String externalId, Outcome outcome,
                        Integer httpStatus, Instant answeredAt, String reportPath) {
    }

    private final JdbcTemplate jdbc;

    public Ledger(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    /** Creates the table and its indexes if missing; called with the connection that creates the Batch tables. */
    static void ensureTable(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String ddl : DDL) {
                statement.execute(ddl);
            }
        }
    }

    /** True for a line that holds a definitive answer from Polar, which the ledger keeps. */
    public static boolean definitive(AuditLine line) {
        return line.httpStatus() != null && (line.outcome() == Outcome.DELETED || line.outcome() == Outcome.NOT_FOUND
                || line.outcome() == Outcome.REVIEW || line.outcome() == Outcome.INVALID && line.httpStatus() == 422);
    }

    /**
     * Writes the definitive answers among these report lines of a run; other lines are skipped. Idempotent: a
     * line already in the ledger for this run and row is replaced. Joins the caller's transaction when there is
     * one on the same DataSource (a chunk's), so it commits or rolls back with it.
     *
     * @param jobInstanceId the run's job instance id
     * @param inputSha256   the SHA-256 of the run's request file
     * @param report        the run's audit report
     * @param lines         report lines (or journal answers of an abandoned run), in any order
     * @throws org.springframework.dao.DataAccessException if the database refuses the write
     */
    public void recordAnswers(long jobInstanceId, String inputSha256, Path report, List<AuditLine> lines) {
        List<AuditLine> answers = lines.stream().filter(Ledger::definitive).toList();
        if (answers.isEmpty()) {
            return;
        }
        String reportPath = report.toAbsolutePath().toString();
        // One look at the rows' range instead of a DELETE per row (issue 18: the chunk's ledger writes hold up every
        // worker until the commit): only abandon writes a row that may already be there.
        Set<Long> rows = answers.stream().map(AuditLine::row).collect(Collectors.toSet());
        List<Long> replaced = jdbc.queryForList("SELECT input_row FROM " + TABLE + " WHERE job_instance_id = ? AND"
                        + " input_row BETWEEN ? AND ?", Long.class, jobInstanceId, Collections.min(rows),
                Collections.max(rows)).stream().filter(rows::contains).toList();
        jdbc.batchUpdate("DELETE FROM " + TABLE + " WHERE job_instance_id = ? AND input_row = ?", replaced, 500,
                (statement, row) -> {
                    statement.setLong(1, jobInstanceId);
                    statement.setLong(2, row);
                });
        jdbc.batchUpdate("INSERT INTO " + TABLE + " (" + COLUMNS + ", id_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                answers, 500, (statement, line) -> set(statement, jobInstanceId, inputSha256, reportPath, line));
    }

    private static void set(PreparedStatement statement, long jobInstanceId, String inputSha256, String reportPath,
                            AuditLine line) throws SQLException {
        statement.setLong(1, jobInstanceId);
        statement.setString(2, inputSha256);
        statement.setLong(3, line.row());
        statement.setString(4, line.externalId());
        statement.setString(5, line.outcome().name());
        if (line.httpStatus() == null) {
            statement.setNull(6, Types.INTEGER);
        } else {
            statement.setInt(6, line.httpStatus());
        }
        statement.setObject(7, OffsetDateTime.ofInstant(line.processedAt(), ZoneOffset.UTC));
        statement.setString(8, reportPath);
        statement.setString(9, idHash(line.externalId()));
    }

    /** Whether the ledger holds any answer of this run (its job instance id). */
    public boolean hasAnswers(long jobInstanceId) {
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM " + TABLE
                + " WHERE job_instance_id = ?)", Boolean.class, jobInstanceId));
    }

    /** Every entry for this exact external ID, oldest first. */
    public List<Entry> entriesFor(String externalId) {
        return jdbc.query("SELECT " + COLUMNS + " FROM " + TABLE + " WHERE id_sha256 = ? AND external_id = ?"
                + " ORDER BY answered_at, job_instance_id, input_row", (rs, n) -> entry(rs), idHash(externalId),
                externalId);
    }

    /** This run's entries for the data rows from {@code fromRow} to {@code toRow} (both included), by row. */
    public List<Entry> entriesOfRun(long jobInstanceId, long fromRow, long toRow) {
        return jdbc.query("SELECT " + COLUMNS + " FROM " + TABLE + " WHERE job_instance_id = ? AND input_row BETWEEN"
                + " ? AND ? ORDER BY input_row", (rs, n) -> entry(rs), jobInstanceId, fromRow, toRow);
    }

    /** The latest erasure (a 204) of this external ID recorded in the ledger, if any. */
    public Optional<Entry> lastErasure(String externalId) {
        List<Entry> erasures = entriesFor(externalId).stream().filter(e -> e.outcome() == Outcome.DELETED).toList();
        return erasures.isEmpty() ? Optional.empty() : Optional.of(erasures.get(erasures.size() - 1));
    }

    /**
     * Deletes the entries answered before this moment.
     *
     * @return how many were deleted
     */
    public int pruneBefore(Instant before) {
        return jdbc.update("DELETE FROM " + TABLE + " WHERE answered_at < ?",
                OffsetDateTime.ofInstant(before, ZoneOffset.UTC));
    }

    private static Entry entry(ResultSet rs) throws SQLException {
        int status = rs.getInt("http_status");
        return new Entry(rs.getLong("job_instance_id"), rs.getString("input_sha256"), rs.getLong("input_row"),
                rs.getString("external_id"), Outcome.valueOf(rs.getString("outcome")), rs.wasNull() ? null : status,
                rs.getObject("answered_at", OffsetDateTime.class).toInstant(), rs.getString("report_path"));
    }

    private static String idHash(String externalId) {
        MessageDigest digest = Sha256.newDigest();
        digest.update(externalId.getBytes(StandardCharsets.UTF_8));
        return Sha256.hex(digest);
    }
}
