package io.polarerasure.job;

import java.time.Duration;
import java.util.Optional;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;

/** Another live process holds the run's {@link RunLease}: nothing was sent. */
public final class RunLeasedException extends RuntimeException implements OperatorFault {

    private static final long serialVersionUID = 1L;

    /** {@inheritDoc} Another process holds the run: nothing was sent. */
    @Override
    public int exitCode() {
        return ExitCodes.USAGE;
    }

    private final transient LeaseHolder holder;

    RunLeasedException(LeaseHolder holder, Duration ttl) {
        super("Another polar-erasure process is already running this request file: " + holder.describe()
                + ". Wait for it to finish, or stop it. If it died, its lease expires " + ttl.toSeconds()
                + " s after its last renewal (in about " + Math.max(0, ttl.minus(holder.sinceRenewal()).toSeconds())
                + " s); then run the same command again, on any host, to resume. Nothing was sent.");
        this.holder = holder;
    }

    /** The process that holds the run; empty after deserialization. */
    public Optional<LeaseHolder> holder() {
        return Optional.ofNullable(holder);
    }
}
