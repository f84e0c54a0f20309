package io.polarerasure.polar;

import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How an {@link Eraser}'s run stops: the first whole-run fault (after it nothing more is sent), a graceful stop
 * request, and every wait of a worker, which a stop request cuts short. Only threads inside a wait are ever
 * interrupted, never one in an HTTP call. Thread-safe; one per Eraser.
 */
final class StopSwitch {

    /** A wait that an interrupt cuts short. */
    @FunctionalInterface
    interface Wait {
        void run() throws InterruptedException;
    }

    private final Sleeper sleeper;
    /** The first whole-run fault; once set, nothing more is sent. */
    private final AtomicReference<RuntimeException> stopped = new AtomicReference<>();
    /** Workers inside a wait (their turn, a 429 pause, a backoff), to wake them on a stop request. */
    private final Set<Thread> waiting = new HashSet<>();
    private volatile boolean stopRequested;

    StopSwitch(Sleeper sleeper) {
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    }

    /** Nothing more is to be sent; workers inside a wait are woken. */
    void requestStop() {
        synchronized (waiting) {
            stopRequested = true;
            waiting.forEach(Thread::interrupt);
        }
    }

    boolean stopRequested() {
        return stopRequested;
    }

    /** Records this fault as the one that stopped the run, unless another did first. */
    void fault(RuntimeException fault) {
        stopped.compareAndSet(null, fault);
    }

    /** Throws the whole-run fault that stopped the run, if one did. */
    void failIfStopped() {
        RuntimeException fault = stopped.get();
        if (fault != null) {
            throw fault;
        }
    }

    /** Stops the run with this fault unless another one stopped it first; returns what to throw for the row. */
    RuntimeException stop(RuntimeException fault, Row row) {
        fault(fault);
        return faultFor(stopped.get(), row);
    }

    /** Throws what {@link #haltFor} says, if anything. */
    void throwIfStopped(Row row) {
        RuntimeException halt = haltFor(row);
        if (halt != null) {
            throw halt;
        }
    }

    /** What to throw for this row when nothing more is to be sent (a whole-run fault first), or null. */
    RuntimeException haltFor(Row row) {
        RuntimeException fault = stopped.get();
        if (fault != null) {
            return faultFor(fault, row);
        }
        return stopRequested ? new StopRequestedException(row.mayHaveLanded()) : null;
    }

    /** Every wait of a worker: one that {@link #requestStop()} can cut short. */
    void await(Duration duration) throws InterruptedException {
        interruptibly(() -> sleeper.sleep(duration));
    }

    /** Runs the wait so that {@link #requestStop()} interrupts it, and fails at once after a stop request. */
    void interruptibly(Wait wait) throws InterruptedException {
        Thread current = Thread.currentThread();
        synchronized (waiting) {
            if (stopRequested) {
                throw new InterruptedException("stop requested");
            }
            waiting.add(current);
        }
        try {
            wait.run();
        } finally {
            synchronized (waiting) {
                waiting.remove(current);
                if (stopRequested) {
                    // A wake-up that came as the wait ended must not abort this worker's next request.
                    Thread.interrupted();
                }
            }
        }
    }

    // Every worker gets the same exception, except a row that may have landed: its caller must
    // not treat it as untouched.
    private static RuntimeException faultFor(RuntimeException fault, Row row) {
        if (fault instanceof PolarRefusedException refused && row.mayHaveLanded()) {
            return refused.forRowInDoubt();
        }
        if (fault instanceof PolarUnavailableException down && row.mayHaveLanded()) {
            return down.forRowInDoubt();
        }
        return fault;
    }
}
