package io.polarerasure.polar;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Waits for a while. The Eraser's only way of waiting, so tests can replace it and run in milliseconds. */
@FunctionalInterface
public interface Sleeper {

    /** Below this a thread's sleep overshoots by far more than it lasts (tens of µs on Linux): spin instead. */
    Duration SPIN_BELOW = Duration.ofNanos(100_000);

    void sleep(Duration duration) throws InterruptedException;

    /** Really waits: a sleep of the current thread, or a short spin where a sleep would overshoot. */
    static Sleeper system() {
        return duration -> {
            if (duration.compareTo(SPIN_BELOW) >= 0) {
                TimeUnit.NANOSECONDS.sleep(duration.toNanos());
                return;
            }
            long deadline = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() - deadline < 0) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                Thread.onSpinWait();
            }
        };
    }
}
