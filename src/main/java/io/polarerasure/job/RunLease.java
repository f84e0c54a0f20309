package io.polarerasure.job;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.polarerasure.polar.SendPermit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
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
 * need not agree. The lease's row and its SQL are {@link LeaseTable}'s; who holds it is a {@link LeaseHolder}.
 * Thread-safe.
 */
public final class RunLease implements SendPermit, AutoCloseable {

    /** The default time after its last renewal at which a lease may be taken over. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(120);

    private static final Logger log = LoggerFactory.getLogger(RunLease.class);

    private final String runKey;
    private final Duration ttl;
    /** {@link #sendWindow()} in nanoseconds, asked before every request: Duration's division is BigDecimal work. */
    private final long sendWindowNanos;
    private final String host;
    private final long pid;
    private final Instant started;
    private final String node;
    private volatile LeaseTable table;
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
        LeaseTable rows = new LeaseTable(dataSource, runKey);
        for (int attempt = 0; attempt < 5; attempt++) {
            long before = System.nanoTime();
            if (rows.insert(host, pid, started, node)) {
                start(rows, 1, before);
                return;
            }
            // Someone holds or held it: see below whether it is still alive.
            Optional<LeaseTable.Current> read = rows.current();
            if (read.isEmpty()) {
                continue; // released meanwhile
            }
            LeaseTable.Current current = read.get();
            if (current.holder().sinceRenewal().compareTo(ttl) <= 0 && !current.holder().goneFrom(node, host, pid)) {
                throw new RunLeasedException(current.holder(), ttl);
            }
            // Fails if the holder renewed, or another process took over, since the read.
            if (rows.takeOver(current, host, pid, started, node)) {
                log.warn("Took over the run from {}, which is gone", current.holder().describe());
                start(rows, current.epoch() + 1, before);
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

    private void start(LeaseTable rows, long heldEpoch, long renewedBefore) {
        table = rows;
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
            if (table.renew(epoch)) {
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
        if (!table.fence(epoch)) {
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
            table.release(epoch);
        } catch (RuntimeException e) {
            log.warn("Cannot give the run's lease up ({}); it expires by itself", e.toString());
        }
    }

    /** Every lease in the repository by run key, live or expired; empty if the table does not exist yet. */
    public static Map<String, LeaseHolder> holders(DataSource dataSource) {
        return LeaseTable.holders(dataSource);
    }

    /** This host's name as leases and locks name it: the pod's {@code HOSTNAME} in a container, else the host's. */
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
}
