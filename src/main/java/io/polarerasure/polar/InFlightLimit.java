package io.polarerasure.polar;

import java.time.Duration;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many requests may be in flight at once under {@code --concurrency auto}: a permit pool whose size follows
 * Little's law, in flight = configured rate x recent p90 latency, plus a quarter and two more as margin (latency
 * varies, and a request waiting for its send slot holds a permit too), between 1 and a cap. The worker pool is
 * sized to the cap; the throttle paces the sends, and this pool keeps a latency spike from piling up more requests
 * in flight (more rows in doubt after a crash) than the rate can use. Thread-safe.
 */
public final class InFlightLimit {

    /** No limit besides the worker pool's size: an explicit {@code --concurrency N}. */
    public static final InFlightLimit NONE = new InFlightLimit(Integer.MAX_VALUE, 0, Integer.MAX_VALUE);

    /** Latencies the p90 is taken over: about 6 s of requests at 500/min. */
    static final int WINDOW = 50;
    /**
     * In flight until {@link #WARM_UP} answers are in: the fixed default before {@code auto}. Until then nothing
     * shows the endpoint is Polar: the misconfiguration breaker trips on the fifth foreign answer, before the pool
     * grows, so a wrong {@code --api-url} gets at most nine requests, as before.
     */
    static final int INITIAL = 4;
    /** Answers after which the pool follows their latencies: as many as trip the misconfiguration breaker. */
    static final int WARM_UP = Misconfiguration.THRESHOLD;

    private static final Logger log = LoggerFactory.getLogger(InFlightLimit.class);

    private final int cap;
    /** The configured rate in requests per nanosecond, or 0 for {@link #NONE}. */
    private final double perNano;
    private final long[] latencies = new long[WINDOW];
    private int samples;
    private int limit;
    private int inUse;

    private InFlightLimit(int cap, double perNano, int limit) {
        this.cap = cap;
        this.perNano = perNano;
        this.limit = limit;
    }

    /**
     * A pool sized from the latencies it is told about.
     *
     * @param rate the configured rate (not the one lowered after 429s: that only needs fewer permits)
     * @param cap  the most permits, the worker pool's size; 1 or more
     * @throws IllegalArgumentException if {@code cap} is below 1
     */
    public static InFlightLimit auto(Rate rate, int cap) {
        if (cap < 1) {
            throw new IllegalArgumentException("cap must be 1 or more, was " + cap);
        }
        double perNano = 1.0 / rate.interval().toNanos();
        return new InFlightLimit(cap, perNano, Math.min(cap, INITIAL));
    }

    /** The permits for a p90 latency: rate x p90 x 1.25 + 2, between 1 and {@code cap}. */
    static int size(double perNano, long p90Nanos, int cap) {
        long wanted = (long) Math.ceil(perNano * p90Nanos * 1.25) + 2;
        return (int) Math.max(1, Math.min(cap, wanted));
    }

    /**
     * Waits for a permit.
     *
     * @throws InterruptedException if the thread is interrupted while waiting (a stop request); no permit is held
     */
    public void acquire() throws InterruptedException {
        if (this != NONE) {
            take();
        }
    }

    private synchronized void take() throws InterruptedException {
        while (inUse >= limit) {
            wait();
        }
        inUse++;
    }

    /**
     * Gives a permit back.
     *
     * @param latency how long the request took, or null if none was sent while the permit was held
     */
    public void release(Duration latency) {
        if (this != NONE) {
            giveBack(latency);
        }
    }

    private synchronized void giveBack(Duration latency) {
        inUse--;
        if (latency != null) {
            latencies[samples++ % WINDOW] = latency.toNanos();
        }
        if (latency != null && samples >= WARM_UP) {
            int resized = size(perNano, p90(), cap);
            if (resized != limit) {
                log.debug("Requests in flight at most {} (was {}): p90 latency {} ms", resized, limit,
                        p90() / 1_000_000);
                limit = resized;
            }
        }
        notifyAll();
    }

    /** The permits now. */
    public synchronized int limit() {
        return limit;
    }

    /** Permits held now. */
    synchronized int inUse() {
        return inUse;
    }

    private long p90() {
        long[] recent = Arrays.copyOf(latencies, Math.min(samples, WINDOW));
        Arrays.sort(recent);
        return recent[(int) Math.ceil(recent.length * 0.9) - 1];
    }
}
