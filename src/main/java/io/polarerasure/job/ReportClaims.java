package io.polarerasure.job;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import io.polarerasure.kernel.Durations;
import io.polarerasure.kernel.Sha256;

/**
 * The claims new runs lay on their reports, kept in the job repository (table {@code erasure_report_claim}, one row
 * per report path). A new run records its claim, committed, before it creates its report empty and before the run
 * itself is recorded ({@link ErasureLauncher}); the claim goes once that start has returned. A process killed in
 * between (kill -9, power loss) leaves an empty report that no recorded run owns, and this row: the same command
 * (same content, destination and rerun number, the same report) finds the row its own and starts the run, since
 * nothing was sent. It holds the run's lock and lease, so no live process of that run can be in that window; an
 * empty report with a claim of another run, or with no claim (another job repository's process), may be a live
 * start of another process and is never taken. A row left behind (a process killed after its run was recorded) is
 * harmless: a claim is read only for a report that no recorded run owns, and the next claim of the path replaces it.
 * Thread-safe.
 */
public final class ReportClaims {

    /** The table, created by {@link RepositorySchema#ensure} on H2 and PostgreSQL alike. */
    static final String TABLE = "erasure_report_claim";

    // Keyed by the path's SHA-256: a path may be as long as 4,096 bytes, more than a PostgreSQL index entry holds.
    static final List<String> DDL = List.of("CREATE TABLE IF NOT EXISTS " + TABLE + " (path_sha256 VARCHAR(64)"
            + " PRIMARY KEY, report_path VARCHAR(4096) NOT NULL, input_sha256 VARCHAR(64) NOT NULL, api_url"
            + " VARCHAR(4096) NOT NULL, rerun BIGINT NOT NULL, claimed_at TIMESTAMP WITH TIME ZONE NOT NULL)");

    /**
     * A claim as recorded.
     *
     * @param identity  the run that claimed the report
     * @param rerun     its rerun number
     * @param claimedAt by the database's clock
     */
    public record Claim(RunIdentity identity, long rerun, OffsetDateTime claimedAt) {

        /** Whether this is the claim of that run. */
        public boolean of(RunIdentity run, long number) {
            return identity.equals(run) && rerun == number;
        }

        /** For messages, e.g. "the start of the run of SHA-256 ab12… against https://api.polar.sh, at …". */
        public String describe() {
            return "the start of the run of SHA-256 " + identity.inputSha256() + " against " + identity.apiUrl()
                    + (rerun > 0 ? ", rerun " + rerun : "") + ", at " + Durations.utc(claimedAt.toInstant());
        }
    }

    private final DataSource dataSource;

    /** @param dataSource the job repository's */
    public ReportClaims(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Records, committed, that this run is about to create this report; replaces any earlier claim of the path.
     *
     * @param report the report's path, absolute and normal ({@link NormalPath})
     * @throws RunStorageException if the job repository does not take it; nothing was created
     */
    public void record(Path report, RunIdentity identity, long rerun) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + TABLE
                    + " WHERE path_sha256 = ?");
                 PreparedStatement insert = connection.prepareStatement("INSERT INTO " + TABLE + " (path_sha256,"
                         + " report_path, input_sha256, api_url, rerun, claimed_at) VALUES (?, ?, ?, ?, ?,"
                         + " CURRENT_TIMESTAMP)")) {
                delete.setString(1, key(report));
                delete.executeUpdate();
                insert.setString(1, key(report));
                insert.setString(2, report.toString());
                insert.setString(3, identity.inputSha256());
                insert.setString(4, identity.apiUrl());
                insert.setLong(5, rerun);
                insert.executeUpdate();
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new RunStorageException("Cannot record the claim of the report " + report + " in the job"
                    + " repository (" + e.getMessage() + "). Check that the database answers, then run the same"
                    + " command again. Nothing was sent.", e);
        }
    }

    /**
     * The claim recorded for this report, if any.
     *
     * @param report the report's path, absolute and normal ({@link NormalPath})
     * @throws RunStorageException if the job repository cannot be read
     */
    public Optional<Claim> of(Path report) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT input_sha256, api_url, rerun, claimed_at"
                     + " FROM " + TABLE + " WHERE path_sha256 = ? AND report_path = ?")) {
            select.setString(1, key(report));
            select.setString(2, report.toString());
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(new Claim(new RunIdentity(row.getString(1), row.getString(2)),
                        row.getLong(3), row.getObject(4, OffsetDateTime.class))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new RunStorageException("Cannot read the claim of the report " + report + " in the job repository ("
                    + e.getMessage() + "). Check that the database answers, then run the same command again. Nothing"
                    + " was sent.", e);
        }
    }

    /**
     * Removes this run's claim of the report, if it is still there; another run's is left alone.
     *
     * @throws SQLException if the job repository does not take it (the claim is harmless left; see the class comment)
     */
    public void release(Path report, RunIdentity identity, long rerun) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement delete = connection.prepareStatement("DELETE FROM " + TABLE + " WHERE path_sha256 = ?"
                     + " AND input_sha256 = ? AND api_url = ? AND rerun = ?")) {
            delete.setString(1, key(report));
            delete.setString(2, identity.inputSha256());
            delete.setString(3, identity.apiUrl());
            delete.setLong(4, rerun);
            delete.executeUpdate();
        }
    }

    private static String key(Path report) {
        MessageDigest digest = Sha256.newDigest();
        digest.update(report.toString().getBytes(StandardCharsets.UTF_8));
        return Sha256.hex(digest);
    }
}
