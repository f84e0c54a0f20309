package io.polarerasure.job;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;
import io.polarerasure.polar.RowFault;
import io.polarerasure.polar.SendPermit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The right to run one request file's run, held in the job repository (table {@code polar_erasure_lease}), so
 * that processes on different hosts sharing one PostgreSQL repository never run the same file at once. The
 * lease names its holder (host, pid, start) and is renewed every {@code ttl/12} by a background thread; another
 * process may take it over once the database's clock says it was last renewed more than {@code ttl} ago.
 *
 * <p>Fencing, because a holder can be paused or cut off without knowing it:
 * <ul>
 *   <li>the holder allows a request to leave ({@link #check}) only while its last successful renewal, measured
 *       on its own monotonic clock from before the renewal was sent, is younger than {@code ttl*5/12}; once it
 *       is older, or a renewal found the lease taken, the holder never sends again. With the default 120 s,
 *       that is 50 s, and a request sent then ends by the 60 s call timeout, 10 s before anyone may take over;</li>
 *   <li>every chunk transaction first updates the lease row on condition that its epoch (bumped at each take-over)
 *       is still this holder's ({@link #fence}), so a stale holder's chunk rolls back instead of committing a
 *       checkpoint, and a take-over waits for a chunk in its commit.</li>
 * </ul>
 * Expiry is judged by the database's clock alone (renewal time and "now" both come from it), so hosts' clocks
 * need not agree. Thread-safe.
 */
public final class RunLease implements SendPermit, AutoCloseable {

    /** The default time after its last renewal at which a lease may be taken over. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(120);

    static final String TABLE = "polar_erasure_lease";

    private static final Logger log = LoggerFactory.getLogger(RunLease.class);

    /**
     * Who holds a lease.
     *
     * @param sinceRenewal how long ago (database clock) it was last renewed
     * @param node         the holder's boot and process namespace ({@link RunLease#node()}), empty where unknown
     */
    public record Holder(String runKey, String host, long pid, Instant started, Duration sinceRenewal, String node) {

        /** For messages and status, e.g. "host db-1, pid 42, started 2026-11-30T12:00:00Z, renewed 3 s ago". */
        public String describe() {
            return "host " + host + ", pid " + pid + ", started " + started + ", renewed " + sinceRenewal.toSeconds()
                    + " s ago";
        }

        /**
         * Whether the holder was a process of this machine and process namespace that no longer runs (killed,
         * crashed): then the run is not running, whatever the lease's age. False for a holder elsewhere, whose death
         * only the lease's age tells, and for this very process.
         */
        public boolean goneFromThisMachine() {
            return goneFrom(RunLease.node(), hostName(), ProcessHandle.current().pid());
        }

        /** {@link #goneFromThisMachine()} as seen from a process {@code self} of node {@code here}, host {@code host}. */
        boolean goneFrom(String here, String hereHost, long self) {
            if (here.isEmpty() || !here.equals(node) || !hereHost.equals(host) || pid == self) {
                return false;
            }
            Optional<ProcessHandle> process = ProcessHandle.of(pid);
            Optional<Instant> start = process.flatMap(handle -> handle.info().startInstant());
            // A pid reused since is told apart by its start time (derived from clock ticks: allow their rounding).
            return process.isEmpty() || start.isPresent()
                    && Duration.between(start.get(), started).abs().toMillis() > 1_000;
        }
    }

    private final String runKey;
    private final Duration ttl;
    /** {@link #sendWindow()} in nanoseconds, asked before every request: Duration's division is BigDecimal work. */
    private final long sendWindowNanos;
    private final String host;
    private final long pid;
    private final Instant started;
    private final String node;
    private volatile JdbcTemplate jdbc;
    private volatile ScheduledExecutorService renewer;
    private volatile long epoch;
    /** System.nanoTime() taken before the last renewal that succeeded was sent. */
    private volatile long lastRenewal;
    /** Why this holder may no longer send or commit; null while it holds the lease. Never reset. */
    private volatile String lost;

    /**
     * @param runKey the run's identity (the input's SHA-256)
     * @param ttl    time after the last renewal at which another process may take over; at least 1 s
     */
    public RunLease(String runKey, Duration ttl) {
        if (ttl.toMillis() < 1_000) {
            throw new IllegalArgumentException("the lease must last at least 1 s, was " + ttl);
        }
        this.runKey = runKey;
        this.ttl = ttl;
        this.sendWindowNanos = sendWindow().toNanos();
        this.host = hostName();
        this.pid = ProcessHandle.current().pid();
        this.started = ProcessHandle.current().info().startInstant().orElse(Instant.now());
        this.node = node();
    }

    /**
     * Takes the lease, or takes over one whose holder stopped renewing, and starts renewing it.
     *
     * @throws RunLeasedException if another live process holds it; nothing was changed
     * @throws DataAccessException if the repository cannot be used
     */
    public void acquire(DataSource dataSource) {
        JdbcTemplate template = new JdbcTemplate(dataSource);
        for (int attempt = 0; attempt < 5; attempt++) {
            long before = System.nanoTime();
            try {
                template.update("INSERT INTO " + TABLE + " (run_key, holder_host, holder_pid, holder_started,"
                        + " renewed_at, epoch, renewals, holder_node) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP, 1, 0, ?)",
                        runKey, host, pid, OffsetDateTime.ofInstant(started, ZoneOffset.UTC), node);
                start(template, 1, before);
                return;
            } catch (DuplicateKeyException held) {
                // Someone holds or held it: see below whether it is still alive.
            }
            List<Current> rows = template.query(SELECT + " WHERE run_key = ?", CURRENT, runKey);
            if (rows.isEmpty()) {
                continue; // released meanwhile
            }
            Current current = rows.get(0);
            if (current.holder().sinceRenewal().compareTo(ttl) <= 0 && !current.holder().goneFrom(node, host, pid)) {
                throw new RunLeasedException(current.holder(), ttl);
            }
            // Compare-and-set: fails if the holder renewed, or another process took over, since the read.
            int taken = template.update("UPDATE " + TABLE + " SET holder_host = ?, holder_pid = ?, holder_started = ?,"
                    + " holder_node = ?, renewed_at = CURRENT_TIMESTAMP, epoch = epoch + 1, renewals = 0"
                    + " WHERE run_key = ? AND epoch = ? AND renewals = ?",
                    host, pid, OffsetDateTime.ofInstant(started, ZoneOffset.UTC), node, runKey, current.epoch(),
                    current.renewals());
            if (taken == 1) {
                log.warn("Took over the run from {}, which is gone", current.holder().describe());
                start(template, current.epoch() + 1, before);
                return;
            }
        }
        throw new IllegalStateException("could not take the lease of run " + runKey + " after 5 attempts: other"
                + " processes keep taking it. Run the command again.");
    }

    /**
     * This machine's boot and process namespace, e.g. "boot 3f2a…, pid:[4026531836]": pids compare only within
     * one. Empty where they cannot be read (not Linux): then no holder is ever known to have died here.
     */
    public static String node() {
        try {
            return "boot " + Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip() + ", "
                    + Files.readSymbolicLink(Path.of("/proc/self/ns/pid"));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private void start(JdbcTemplate template, long heldEpoch, long renewedBefore) {
        jdbc = template;
        epoch = heldEpoch;
        lastRenewal = renewedBefore;
        long every = Math.max(100, ttl.toMillis() / 12);
        renewer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "polar-erasure-lease");
            thread.setDaemon(true);
            return thread;
        });
        renewer.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    private void renew() {
        if (lost != null) {
            return;
        }
        long before = System.nanoTime();
        try {
            int renewed = jdbc.update("UPDATE " + TABLE + " SET renewed_at = CURRENT_TIMESTAMP, renewals = renewals + 1"
                    + " WHERE run_key = ? AND epoch = ?", runKey, epoch);
            if (renewed == 1) {
                lastRenewal = before;
            } else {
                lose("another process took the run over");
            }
        } catch (RuntimeException e) {
            // Sending stops by itself once the last renewal is too old (see check).
            log.warn("Cannot renew the run's lease in the job repository: {}", e.toString());
        }
    }

    private void lose(String why) {
        if (lost == null) {
            lost = why;
            log.error("Lost the run's lease: {}. Nothing more is sent or committed.", why);
        }
    }

    /**
     * Allows a request to leave only while the lease is surely held (see the class comment).
     *
     * @throws LeaseLostException if it may not; it never may again
     */
    @Override
    public void check(boolean rowMayHaveLanded) {
        long age = System.nanoTime() - lastRenewal;
        if (lost == null && age > sendWindowNanos) {
            lose("it could not be renewed for " + TimeUnit.NANOSECONDS.toSeconds(age) + " s (the job repository did not"
                    + " answer, or this process was paused)");
        }
        if (lost != null) {
            throw new LeaseLostException(lost, rowMayHaveLanded);
        }
    }

    /** How long after its last successful renewal the holder still sends: ttl*5/12. */
    Duration sendWindow() {
        return ttl.multipliedBy(5).dividedBy(12);
    }

    /**
     * Proves, inside the running chunk transaction, that this process still holds the lease: the lease row is
     * updated on condition of this holder's epoch, and stays locked until the transaction ends.
     *
     * @throws LeaseLostException if not; the transaction must roll back
     * @throws IllegalStateException if called outside a transaction
     */
    void fence() {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("the lease must be checked inside the chunk transaction");
        }
        check(false);
        if (jdbc.update("UPDATE " + TABLE + " SET renewals = renewals + 1 WHERE run_key = ? AND epoch = ?", runKey,
                epoch) != 1) {
            lose("another process took the run over");
            check(false);
        }
    }

    /** Stops renewing and gives the lease up, if this process still holds it. */
    @Override
    public void close() {
        if (renewer == null) {
            return;
        }
        renewer.shutdownNow();
        renewer = null;
        try {
            jdbc.update("DELETE FROM " + TABLE + " WHERE run_key = ? AND epoch = ?", runKey, epoch);
        } catch (RuntimeException e) {
            log.warn("Cannot give the run's lease up ({}); it expires by itself", e.toString());
        }
    }

    /** Every lease in the repository by run key, live or expired; empty if the table does not exist yet. */
    public static Map<String, Holder> holders(DataSource dataSource) {
        Map<String, Holder> holders = new LinkedHashMap<>();
        new JdbcTemplate(dataSource).query(SELECT, (RowCallbackHandler) row -> {
                    Holder holder = CURRENT.mapRow(row, row.getRow()).holder();
                    holders.put(holder.runKey(), holder);
                });
        return holders;
    }

    /** The lease's table, for {@link RepositorySchema}: the same SQL for H2 and PostgreSQL. */
    static String createTable() {
        return "CREATE TABLE IF NOT EXISTS " + TABLE + " (run_key VARCHAR(200) PRIMARY KEY,"
                + " holder_host VARCHAR(255) NOT NULL, holder_pid BIGINT NOT NULL,"
                + " holder_started TIMESTAMP WITH TIME ZONE NOT NULL, renewed_at TIMESTAMP WITH TIME ZONE NOT NULL,"
                + " epoch BIGINT NOT NULL, renewals BIGINT NOT NULL, holder_node VARCHAR(255) NOT NULL)";
    }

    private static final String SELECT = "SELECT holder_host, holder_pid, holder_started, renewed_at, epoch, renewals,"
            + " CURRENT_TIMESTAMP, run_key, holder_node FROM " + TABLE;

    private record Current(Holder holder, long epoch, long renewals) {
    }

    private static final RowMapper<Current> CURRENT = (row, n) -> {
        OffsetDateTime renewed = row.getObject(4, OffsetDateTime.class);
        OffsetDateTime now = row.getObject(7, OffsetDateTime.class);
        return new Current(new Holder(row.getString(8), row.getString(1), row.getLong(2),
                row.getObject(3, OffsetDateTime.class).toInstant(), Duration.between(renewed, now), row.getString(9)),
                row.getLong(5), row.getLong(6));
    };

    public static String hostName() {
        String pod = System.getenv("HOSTNAME");
        if (pod != null && !pod.isBlank()) {
            return pod;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }

    /** Another live process holds the run: nothing was sent. */
    public static final class RunLeasedException extends RuntimeException implements OperatorFault {

        private static final long serialVersionUID = 1L;

        /** {@inheritDoc} Another process holds the run: nothing was sent. */
        @Override
        public int exitCode() {
            return ExitCodes.USAGE;
        }

        private final transient Holder holder;

        RunLeasedException(Holder holder, Duration ttl) {
            super("Another polar-erasure process is already running this request file: " + holder.describe()
                    + ". Wait for it to finish, or stop it. If it died, its lease expires " + ttl.toSeconds()
                    + " s after its last renewal (in about " + Math.max(0, ttl.minus(holder.sinceRenewal()).toSeconds())
                    + " s); then run the same command again, on any host, to resume. Nothing was sent.");
            this.holder = holder;
        }

        public Optional<Holder> holder() {
            return Optional.ofNullable(holder);
        }
    }

    /** This process no longer surely holds the run's lease: it sends and commits nothing more. */
    public static final class LeaseLostException extends RuntimeException implements RowFault, OperatorFault {

        private static final long serialVersionUID = 1L;

        /** {@inheritDoc} Resumable once the lease can be taken again. */
        @Override
        public int exitCode() {
            return ExitCodes.RESUMABLE;
        }

        private final boolean rowMayHaveLanded;

        LeaseLostException(String why, boolean rowMayHaveLanded) {
            super("lost the run's lease in the job repository: " + why + ". Nothing more was sent or committed;"
                    + " re-run the same command (on any host) to resume");
            this.rowMayHaveLanded = rowMayHaveLanded;
        }

        @Override
        public boolean rowMayHaveLanded() {
            return rowMayHaveLanded;
        }
    }
}
