package io.polarerasure.job;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Who holds a run's {@link RunLease}, as its row in the job repository says.
 *
 * @param runKey       the run's identity
 * @param host         the holder's host name ({@link RunLease#hostName()})
 * @param pid          the holder's process id on that host
 * @param started      when the holder's process started
 * @param sinceRenewal how long ago (database clock) it was last renewed
 * @param node         the holder's boot and process namespace ({@link RunLease#node()}), empty where unknown
 */
public record LeaseHolder(String runKey, String host, long pid, Instant started, Duration sinceRenewal, String node) {

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
        return goneFrom(RunLease.node(), RunLease.hostName(), ProcessHandle.current().pid());
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
