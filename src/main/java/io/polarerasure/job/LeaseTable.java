package io.polarerasure.job;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.RowMapper;

/**
 * The leases' rows in the job repository (table {@code polar_erasure_lease}, one row per run key): the SQL behind
 * {@link RunLease}, which owns when each statement runs. Every change is conditional on the row's {@code epoch}
 * (bumped at each take-over), so a stale holder changes nothing. Times are the database's ({@code
 * CURRENT_TIMESTAMP}), so hosts' clocks need not agree. The same SQL for H2 and PostgreSQL. Thread-safe.
 */
final class LeaseTable {

    static final String TABLE = "polar_erasure_lease";

    private static final String SELECT = "SELECT holder_host, holder_pid, holder_started, renewed_at, epoch, renewals,"
            + " CURRENT_TIMESTAMP, run_key, holder_node FROM " + TABLE;

    /**
     * A lease row as read.
     *
     * @param epoch    bumped at each take-over
     * @param renewals renewals and fences since the last take-over: a take-over compares it to tell a live holder
     */
    record Current(LeaseHolder holder, long epoch, long renewals) {
    }

    private static final RowMapper<Current> CURRENT = (row, n) -> {
        OffsetDateTime renewed = row.getObject(4, OffsetDateTime.class);
        OffsetDateTime now = row.getObject(7, OffsetDateTime.class);
        return new Current(new LeaseHolder(row.getString(8), row.getString(1), row.getLong(2),
                row.getObject(3, OffsetDateTime.class).toInstant(), Duration.between(renewed, now), row.getString(9)),
                row.getLong(5), row.getLong(6));
    };

    private final JdbcTemplate jdbc;
    private final String runKey;

    /** The row of one run. */
    LeaseTable(DataSource dataSource, String runKey) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.runKey = runKey;
    }

    /** The table, for {@link RepositorySchema}. */
    static String createTable() {
        return "CREATE TABLE IF NOT EXISTS " + TABLE + " (run_key VARCHAR(200) PRIMARY KEY,"
                + " holder_host VARCHAR(255) NOT NULL, holder_pid BIGINT NOT NULL,"
                + " holder_started TIMESTAMP WITH TIME ZONE NOT NULL, renewed_at TIMESTAMP WITH TIME ZONE NOT NULL,"
                + " epoch BIGINT NOT NULL, renewals BIGINT NOT NULL, holder_node VARCHAR(255) NOT NULL)";
    }

    /** Every lease in the repository by run key, live or expired. */
    static Map<String, LeaseHolder> holders(DataSource dataSource) {
        Map<String, LeaseHolder> holders = new LinkedHashMap<>();
        new JdbcTemplate(dataSource).query(SELECT, (RowCallbackHandler) row -> {
                    LeaseHolder holder = CURRENT.mapRow(row, row.getRow()).holder();
                    holders.put(holder.runKey(), holder);
                });
        return holders;
    }

    /** Creates the run's row at epoch 1, renewed now; false if the run has one (held, or held once). */
    boolean insert(String host, long pid, Instant started, String node) {
        try {
            jdbc.update("INSERT INTO " + TABLE + " (run_key, holder_host, holder_pid, holder_started,"
                    + " renewed_at, epoch, renewals, holder_node) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP, 1, 0, ?)",
                    runKey, host, pid, OffsetDateTime.ofInstant(started, ZoneOffset.UTC), node);
            return true;
        } catch (DuplicateKeyException held) {
            return false;
        }
    }

    /** The run's row; empty if there is none (released meanwhile). */
    Optional<Current> current() {
        List<Current> rows = jdbc.query(SELECT + " WHERE run_key = ?", CURRENT, runKey);
        return rows.stream().findFirst();
    }

    /**
     * Compare-and-set: names this process the holder at the next epoch, unless the holder renewed, or another
     * process took over, since {@code seen} was read.
     */
    boolean takeOver(Current seen, String host, long pid, Instant started, String node) {
        return jdbc.update("UPDATE " + TABLE + " SET holder_host = ?, holder_pid = ?, holder_started = ?,"
                + " holder_node = ?, renewed_at = CURRENT_TIMESTAMP, epoch = epoch + 1, renewals = 0"
                + " WHERE run_key = ? AND epoch = ? AND renewals = ?",
                host, pid, OffsetDateTime.ofInstant(started, ZoneOffset.UTC), node, runKey, seen.epoch(),
                seen.renewals()) == 1;
    }

    /** Renews the lease held at this epoch; false if another process took it over. */
    boolean renew(long epoch) {
        return jdbc.update("UPDATE " + TABLE + " SET renewed_at = CURRENT_TIMESTAMP, renewals = renewals + 1"
                + " WHERE run_key = ? AND epoch = ?", runKey, epoch) == 1;
    }

    /**
     * Updates the row on condition of this epoch, so that it stays locked until the caller's transaction ends;
     * false if another process took the lease over.
     */
    boolean fence(long epoch) {
        return jdbc.update("UPDATE " + TABLE + " SET renewals = renewals + 1 WHERE run_key = ? AND epoch = ?", runKey,
                epoch) == 1;
    }

    /** Removes the row if it is still at this epoch. */
    void release(long epoch) {
        jdbc.update("DELETE FROM " + TABLE + " WHERE run_key = ? AND epoch = ?", runKey, epoch);
    }
}
