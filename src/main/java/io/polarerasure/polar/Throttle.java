package io.polarerasure.polar;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paces every request of the run, retries included, and turns Polar's 429 into a pause of all
 * workers. Polar's budget is shared with the merchant's live traffic, so the rate adapts the way TCP's
 * congestion control does (additive increase, multiplicative decrease): a 429 that comes after a full pause,
 * before any other answer has come in since that pause ended, shows the pause did not help (the budget is used
 * up) and halves the rate (down to 1/min if need be, so a budget starved by other traffic settles without a 429
 * per row); a 429 among other answers (a short spike of the merchant's own traffic) only pauses. Every
 * {@link #CLEAN_PERIOD} without a 429 adds a fifth of the configured rate back, never above it. Thread-safe.
 */
final class Throttle {

    /** Polar's window is a minute, and its 429 says 60 even when less of the window is left. */
    static final Duration DEFAULT_PAUSE = Duration.ofSeconds(60);
    /** A period without any 429 after which the rate climbs one step back toward the configured one. */
    static final Duration CLEAN_PERIOD = Duration.ofSeconds(5);
    /** The lowest rate 429s can bring the run down to. */
    static final Rate FLOOR = new Rate(1, Duration.ofMinutes(1));
    /** Steps of additive increase from the floor back to the configured rate: 5 steps, 25 s. */
    private static final int STEPS = 5;

    private static final Logger log = LoggerFactory.getLogger(Throttle.class);
    /** The send-log entry of the request this thread was last admitted for, until it leaves (see requestLeft). */
    private static final ThreadLocal<Leaving> LEAVING = new ThreadLocal<>();

    private final Rate configured;
    private final Clock clock;
    private final Sleeper sleeper;
    private volatile Pace pace;
    private final SendLog sent;
    private volatile long pausedUntil;
    private int rateLimitEvents;
    /** Whether an answer other than a 429 came in after the last pause ended: the budget was not used up. */
    private boolean answeredSincePause;
    /** When the last 429 came in or the rate last changed, in {@link #now()} nanoseconds. */
    private long lastChange;

    Throttle(Rate configured, Clock clock, Sleeper sleeper) {
        this.configured = configured;
        this.clock = clock;
        this.sleeper = sleeper;
        this.pace = pace(configured);
        this.sent = new SendLog(configured);
        this.pausedUntil = now();
        this.lastChange = pausedUntil;
    }

    /**
     * Waits until no 429 pause is on and this worker's slot at the current rate has come. A long wait for a slot
     * at a lowered rate is taken in steps of {@link #CLEAN_PERIOD}, so that when the rate climbs back the worker
     * queues again at the new rate instead of sleeping out the old slot.
     */
    void awaitTurn() throws InterruptedException {
        turnOver();
        while (true) {
            for (long left = pauseLeft(); left > 0; left = pauseLeft()) {
                sleeper.sleep(Duration.ofNanos(left));
            }
            climb();
            Pace current = pace;
            long slot = now() + current.reserve(now());
            for (long wait = slot - now(); wait > 0 && pace == current; wait = slot - now()) {
                sleeper.sleep(Duration.ofNanos(Math.min(wait, CLEAN_PERIOD.toNanos())));
                climb();
            }
            if (pace == current && pauseLeft() <= 0 && admitted()) {
                return;
            }
            // The rate climbed while this worker waited (queue again at the new one), or a 429 came in: wait the
            // pause out and queue again, or every worker would fire at once the moment it ends.
        }
    }

    /**
     * Whether the send log lets this request leave, waiting first if it is not yet a window after the request the
     * configured count before it (only when requests left late); false when a 429 pause began meanwhile.
     */
    private boolean admitted() throws InterruptedException {
        long admission = sent.admit(now());
        for (; admission > 0; admission = sent.admit(now())) {
            sleeper.sleep(Duration.ofNanos(admission));
            if (pauseLeft() > 0) {
                return false;
            }
        }
        LEAVING.set(admission < 0 ? new Leaving(this, -admission) : null);
        return true;
    }

    /**
     * The request this thread was last admitted for is leaving now (its headers are written): the send log counts
     * its window from now, not from its admission, since whatever ran in between (the journal's SENDING mark, a
     * database commit with PostgreSQL, a cold JVM's first HTTP call) delayed it. Called by the HTTP client's event
     * listener ({@link PolarClient#httpClient}) on the thread that sends; does nothing on any other thread.
     */
    static void requestLeft() {
        endTurn(true);
    }

    /**
     * This thread's last admission is over, its request sent or not: one whose headers were never written (no
     * connection, a stop, a refused lease) keeps its admission time in the send log, and no longer holds up the
     * admission a window after it (see {@link SendLog#admit}). Called when a row is done and before each turn.
     */
    static void turnOver() {
        endTurn(false);
    }

    /** Ends this thread's admission, if one is open: its request left now, or never did. */
    private static void endTurn(boolean leftNow) {
        Leaving leaving = LEAVING.get();
        if (leaving != null) {
            LEAVING.remove();
            Throttle throttle = leaving.throttle();
            throttle.sent.ended(leaving.number(), leftNow ? throttle.now() : Long.MIN_VALUE);
        }
    }

    /** A request admitted by {@code throttle}'s send log as its {@code number}th. */
    private record Leaving(Throttle throttle, long number) {
    }

    /** Polar answered 429: pause all workers; if this keeps happening, lower the rate for good. */
    synchronized void rateLimited(Optional<Duration> retryAfter) {
        long now = now();
        // 429s that arrive during a pause answer requests sent before it began: the same event.
        boolean sameEvent = now < pausedUntil;
        Duration pause = retryAfter.orElse(DEFAULT_PAUSE);
        pausedUntil = Math.max(pausedUntil, now + pause.toNanos());
        // A pause is no clean period: that starts when the pause ends.
        lastChange = pausedUntil;
        if (sameEvent) {
            return;
        }
        log.info("Polar answered 429 (rate limit): pausing all requests for {} s", pause.toSeconds());
        boolean pauseHelped = answeredSincePause;
        answeredSincePause = false;
        if (++rateLimitEvents > 1 && !pauseHelped) {
            Rate slower = new Rate(Math.max(1, (int) Math.floor(perMinute(pace.rate()) / 2)), Duration.ofMinutes(1));
            if (!slower.equals(pace.rate())) {
                log.warn("Polar answered 429 again after a full pause, before any other answer: lowering the request"
                        + " rate from {} to {}",
                        pace.rate(), slower);
                pace = pace(slower);
            }
        }
    }

    /**
     * Polar's API answered a request with something other than a 429 (any status, success or not): once a pause
     * has ended, such an answer shows the budget has room, so the next 429 only pauses and does not lower the rate.
     */
    synchronized void answered() {
        if (now() >= pausedUntil) {
            answeredSincePause = true;
        }
    }

    /** Additive increase: one step back toward the configured rate per clean period since the last change. */
    private synchronized void climb() {
        long now = now();
        // Clean for at least CLEAN_PERIOD and two requests at the current rate, so that a budget starved by other
        // traffic (a 429 for every request) keeps the rate going down instead of climbing between requests.
        long clean = Math.max(CLEAN_PERIOD.toNanos(), 2 * pace.intervalNanos());
        if (pace.rate().equals(configured) || now - lastChange < clean || now < pausedUntil) {
            return;
        }
        double perMinute = perMinute(pace.rate()) + perMinute(configured) / STEPS;
        Rate faster = perMinute >= perMinute(configured) ? configured
                : new Rate((int) Math.floor(perMinute), Duration.ofMinutes(1));
        log.info("No 429 for {} s: raising the request rate from {} to {}", Duration.ofNanos(clean).toSeconds(),
                pace.rate(), faster);
        pace = pace(faster);
        lastChange = now;
    }

    private static double perMinute(Rate rate) {
        return 60e9 / rate.interval().toNanos();
    }

    /** The rate requests are paced at now: the configured one, or lower after repeated 429s. */
    Rate currentRate() {
        return pace.rate();
    }

    private long pauseLeft() {
        return pausedUntil - now();
    }

    private long now() {
        Instant instant = clock.instant();
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private Pace pace(Rate rate) {
        return new Pace(rate, rate.interval().toNanos(), new AtomicLong(Long.MIN_VALUE));
    }

    /**
     * The times the last requests left, so that no window of the configured rate's length holds more than its count
     * of them, whatever the pacing: a request that leaves late (a late wake-up on a loaded machine) and the one the
     * count after it, on time, would otherwise fall into one window (501 in a minute at 500/min; Polar's fixed
     * window answers the one too many with a 429). A window here is a thousandth longer than the rate's, so that
     * jitter between leaving and arriving does not undo it: at 500/min one request per minute waits 60 ms more.
     * A request's time is first its admission, then, once its headers are written, that moment ({@link
     * #requestLeft}): a request held up after its admission (the first of a run, 60 ms and more on a cold JVM)
     * would otherwise share a window at Polar with the one the count after it (the benchmark saw 501 in a sliding
     * minute at 500/min once, 2026-12-02). A request admitted but not yet left when its entry is due again (held
     * up a whole window: a stalled database commit) holds up the next admission until it leaves or its turn is
     * over, for at most {@link #LONGEST_HOLD} more, so that the two do not leave together. Off for counts above
     * {@link #MOST_LOGGED} (no Polar budget is that large; the tests' "no limit" is).
     */
    private static final class SendLog {

        private static final int MOST_LOGGED = 10_000;
        /** How long past its window an admitted request that has not left holds up the next admission. */
        private static final long LONGEST_HOLD = Duration.ofMinutes(1).toNanos();
        /** How often an admission held up by a request that has not left looks again. */
        private static final long RECHECK = Duration.ofMillis(10).toNanos();

        private final long[] times;
        /** Whether the request in each entry was admitted and neither left nor had its turn end. */
        private final boolean[] pending;
        private final long windowNanos;
        private int oldest;
        private int logged;
        /** How many requests were admitted: the nth is in entry (n - 1) modulo the log's length. */
        private long admitted;

        SendLog(Rate rate) {
            this.times = new long[rate.requests() <= MOST_LOGGED ? rate.requests() : 0];
            this.pending = new boolean[times.length];
            this.windowNanos = rate.per().toNanos() + rate.per().toNanos() / 1000;
        }

        /**
         * Records a request leaving at {@code now} and returns minus its number (the first is 1), or 0 with the log
         * off; or returns how many nanoseconds it must wait (more than 0), recording nothing.
         */
        synchronized long admit(long now) {
            if (times.length == 0) {
                return 0;
            }
            if (logged == times.length) {
                long due = times[oldest] + windowNanos;
                if (due > now) {
                    return due - now;
                }
                if (pending[oldest] && due + LONGEST_HOLD > now) {
                    return Math.min(RECHECK, due + LONGEST_HOLD - now);
                }
            } else {
                logged++;
            }
            times[oldest] = now;
            pending[oldest] = true;
            oldest = (oldest + 1) % times.length;
            return -++admitted;
        }

        /**
         * The {@code number}th request's turn is over: it left at {@code leftAt} ({@link Long#MIN_VALUE} if it never
         * did, and its entry keeps its admission time), and holds up no admission. Nothing if a later one has its
         * entry now.
         */
        synchronized void ended(long number, long leftAt) {
            int slot = slot(number);
            if (slot >= 0) {
                pending[slot] = false;
                times[slot] = Math.max(times[slot], leftAt);
            }
        }

        /** The entry of the {@code number}th request, or -1 if a later one has it now. */
        private int slot(long number) {
            return admitted - number < times.length ? (int) ((number - 1) % times.length) : -1;
        }
    }

    /**
     * Hands out send slots one interval apart, each never earlier than the one before plus an
     * interval, whatever the idle time in between (the "virtual scheduling" form of the generic cell
     * rate algorithm). Resilience4j's RateLimiter paces by fixed cycles instead: after an idle gap,
     * such as a chunk boundary, its free permit is taken mid-cycle and the next comes at the cycle's
     * end, so two requests could leave almost together and a window held one more than its share.
     * A lower rate is a fresh Pace, whose first slot is the first request after the pause.
     */
    private record Pace(Rate rate, long intervalNanos, AtomicLong nextSlot) {

        /** Reserves the next slot; returns how many nanoseconds from {@code now} it begins. */
        long reserve(long now) {
            long next = nextSlot.accumulateAndGet(now, (previous, time) -> Math.max(previous, time) + intervalNanos);
            return next - intervalNanos - now;
        }
    }
}
