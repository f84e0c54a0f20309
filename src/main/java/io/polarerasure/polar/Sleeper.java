package io.polarerasure.polar;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Waits for a while. The Eraser's only way of waiting, so tests can replace it and run in milliseconds. */
@FunctionalInterface
public interface Sleeper {

    void sleep(Duration duration) throws InterruptedException;

    /** Really sleeps the current thread. */
    static Sleeper system() {
        return duration -> TimeUnit.NANOSECONDS.sleep(duration.toNanos());
    }
}
