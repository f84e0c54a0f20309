package io.polarerasure.polar;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;

import io.github.resilience4j.core.IntervalFunction;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Erases customers through Polar, one row per {@link #erase} call: paced, retried with backoff,
 * honest about answers that were lost. Thread-safe; one instance is shared by all workers of a
 * run, because the rate, a 429 pause, a refusal and an outage concern the run as a whole.
 */
public final class Eraser {

    private static final Logger log = LoggerFactory.getLogger(Eraser.class);
    private static final double BACKOFF_MULTIPLIER = 2.0;

    private final PolarClient client;
    private final int maxAttempts;
    private final IntervalFunction backoff;
    private final Throttle throttle;
    private final OutageWindow outage;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Random random;
    /** The first whole-run fault; once set, nothing more is sent. */
    private final AtomicReference<RuntimeException> stopped = new AtomicReference<>();
    /** Workers inside a wait (their turn, a 429 pause, a backoff), to wake them on a stop request. */
    private final Set<Thread> waiting = new HashSet<>();
    private volatile boolean stopRequested;
    private volatile SendPermit permit = SendPermit.ALWAYS;

    /**
     * @param clock   time for pacing, pauses and HTTP-date Retry-After values
     * @param sleeper how every wait is done
     * @param random  the jitter of backoff waits
     */
    public Eraser(PolarClient client, PolarSettings settings, Clock clock, Sleeper sleeper, Random random) {
        this.client = Objects.requireNonNull(client, "client");
        this.maxAttempts = settings.maxAttempts();
        this.backoff = IntervalFunction.ofExponentialBackoff(settings.initialBackoff(), BACKOFF_MULTIPLIER,
                settings.maxBackoff());
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.random = Objects.requireNonNull(random, "random");
        this.throttle = new Throttle(settings.rate(), clock, this::await);
        this.outage = new OutageWindow(settings.breakerWindow());
    }

    /** The production Eraser: its own HTTP client, real time and real sleeping. */
    public static Eraser create(PolarSettings settings, String token, String userAgent) {
        PolarClient client = new PolarClient(PolarClient.httpClient(settings), HttpUrl.get(settings.baseUrl()),
                token, userAgent);
        return new Eraser(client, settings, MonotonicClock.startingNow(), Sleeper.system(), new Random());
    }

    /**
     * Erases one customer, retrying transient failures.
     *
     * @param externalId                 the customer's external ID, exactly as stored at Polar
     * @param earlierAttemptMayHaveLanded true when a run that crashed had sent this row without
     *                                    recording the answer
     * @return the row's result; ERASED only on a 204
     * @throws IllegalArgumentException    if the ID cannot be sent ({@link PolarClient#unsendable}); nothing is sent
     * @throws PolarRefusedException       if Polar refuses the credentials or the endpoint, now or earlier in the run
     * @throws PolarUnavailableException   if Polar looks down; the row has no result and the run should stop
     * @throws StopRequestedException     if {@link #stopSending()} was called before the row had its answer
     * @throws CancellationException       if the thread was interrupted; the row has no result
     */
    public Erasure erase(String externalId, boolean earlierAttemptMayHaveLanded) {
        Optional<String> problem = PolarClient.unsendable(externalId);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        Row row = new Row(earlierAttemptMayHaveLanded);
        try {
            return send(externalId, row);
        } catch (InterruptedException e) {
            RuntimeException halt = stopRequested ? haltFor(row) : null;
            if (halt != null) {
                throw halt; // woken from a wait by stopSending, not cancelled: nothing was sent while waiting
            }
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while erasing a customer; the row has no result, and an"
                    + " attempt sent for it may have landed");
        }
    }

    /**
     * A graceful stop: nothing more is sent. Calls in flight finish and return their result; rows
     * waiting for their turn, a 429 pause (up to a minute) or a backoff give up at once with
     * {@link StopRequestedException}, so a stop takes no longer than the slowest call in flight.
     */
    public void stopSending() {
        synchronized (waiting) {
            stopRequested = true;
            // Only threads inside a wait are interrupted, never one in an HTTP call.
            waiting.forEach(Thread::interrupt);
        }
    }

    /** From now on, every request leaves only if this permit allows it (the run's lease). */
    public void requirePermit(SendPermit sendPermit) {
        this.permit = Objects.requireNonNull(sendPermit, "sendPermit");
    }

    /** The rate requests are paced at now: the configured one, or lower after repeated 429s. */
    public Rate currentRate() {
        return throttle.currentRate();
    }

    private Erasure send(String externalId, Row row) throws InterruptedException {
        while (true) {
            throwIfStopped(row);
            throttle.awaitTurn();
            // Another worker may have been refused while this one waited for its turn.
            throwIfStopped(row);
            permit.check(row.mayHaveLanded());
            row.attempts++;
            try {
                Answer answer = client.delete(externalId);
                row.status = answer.status();
                Optional<Erasure> result = conclude(answer, row);
                if (result.isPresent()) {
                    outage.record(false);
                    return result.get();
                }
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("interrupted during a request");
                }
                row.transportFailed(e);
            }
            if (row.attempts >= maxAttempts) {
                return gaveUp(row);
            }
            Duration wait = backoffBefore(row.attempts + 1);
            log.debug("Erase attempt {} failed ({}); next attempt in {} ms", row.attempts, row.lastError,
                    wait.toMillis());
            await(wait);
        }
    }

    /** The row's result if this answer settles it; empty if it is worth another attempt. */
    private Optional<Erasure> conclude(Answer answer, Row row) {
        return switch (answer.kind()) {
            case ERASED -> Optional.of(new Erasure(Erasure.Result.ERASED, 204, row.attempts, ""));
            case NOT_FOUND -> Optional.of(new Erasure(Erasure.Result.NOT_FOUND, 404, row.attempts, row.doubt()));
            case REJECTED -> Optional.of(new Erasure(Erasure.Result.REJECTED, 422, row.attempts,
                    row.withDoubt(answer.detail())));
            case UNEXPECTED -> Optional.of(new Erasure(Erasure.Result.FAILED, answer.status(), row.attempts,
                    row.withDoubt(answer.detail() + " (unexpected answer, not retried)")));
            case UNAUTHORIZED, FORBIDDEN, NO_ROUTE -> throw stop(PolarRefusedException.of(answer, client.baseUrl()),
                    row);
            case TRANSIENT -> {
                if (answer.rateLimited()) {
                    throttle.rateLimited(answer.retryDelay(clock));
                }
                row.lastError = answer.detail();
                yield Optional.empty();
            }
        };
    }

    private Erasure gaveUp(Row row) {
        if (outage.record(true)) {
            // Most recent rows failed even after retries: Polar is down. Failing every remaining row
            // would burn the file; stopping lets the run resume later. This row stays unanswered.
            throw stop(new PolarUnavailableException("Polar looks unavailable: more than half of the last "
                    + outage.size() + " rows failed even after " + maxAttempts + " attempts each (last error: "
                    + row.lastError + "). Stopped; re-run the same command to resume once Polar answers again."),
                    row);
        }
        return new Erasure(Erasure.Result.FAILED, row.status, row.attempts,
                row.withDoubt("gave up after " + row.attempts + " attempts; last error: " + row.lastError));
    }

    /** Stops the run with this fault unless another one stopped it first; returns what to throw. */
    private RuntimeException stop(RuntimeException fault, Row row) {
        stopped.compareAndSet(null, fault);
        return faultFor(stopped.get(), row);
    }

    private void throwIfStopped(Row row) {
        RuntimeException halt = haltFor(row);
        if (halt != null) {
            throw halt;
        }
    }

    /** What to throw for this row when nothing more is to be sent (a whole-run fault first), or null. */
    private RuntimeException haltFor(Row row) {
        RuntimeException fault = stopped.get();
        if (fault != null) {
            return faultFor(fault, row);
        }
        return stopRequested ? new StopRequestedException(row.mayHaveLanded()) : null;
    }

    /** Every wait of a worker: one that {@link #stopSending()} can cut short. */
    private void await(Duration duration) throws InterruptedException {
        Thread current = Thread.currentThread();
        synchronized (waiting) {
            if (stopRequested) {
                throw new InterruptedException("stop requested");
            }
            waiting.add(current);
        }
        try {
            sleeper.sleep(duration);
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

    /** Exponential, capped, with jitter: a random wait between half and all of the step. */
    private Duration backoffBefore(int attempt) {
        long step = backoff.apply(attempt - 1);
        return Duration.ofMillis(step - (long) (random.nextDouble() * (step / 2)));
    }

    /** What one erase call has learnt so far; confined to its thread. */
    private static final class Row {

        private final boolean earlierRun;
        private int attempts;
        private Integer status;
        private String lastError = "";
        private String lostAnswer;

        Row(boolean earlierRun) {
            this.earlierRun = earlierRun;
        }

        void transportFailed(IOException e) {
            lastError = e.getClass().getSimpleName() + ": " + Answer.snippet(String.valueOf(e.getMessage()));
            // Refused connections and unknown hosts fail before the request leaves; anything else
            // (timeout, dropped connection) may come after Polar committed the erasure.
            if (!(e instanceof ConnectException) && !(e instanceof UnknownHostException)) {
                lostAnswer = lastError;
            }
        }

        boolean mayHaveLanded() {
            return earlierRun || lostAnswer != null;
        }

        String doubt() {
            StringBuilder doubt = new StringBuilder();
            if (lostAnswer != null) {
                doubt.append("an earlier attempt's answer was lost (").append(lostAnswer)
                        .append("), so that attempt may have erased the customer");
            }
            if (earlierRun) {
                doubt.append(doubt.length() == 0 ? "" : "; ").append("an attempt in an earlier run was interrupted"
                        + " before its answer was recorded, so it may have erased the customer");
            }
            return doubt.toString();
        }

        String withDoubt(String detail) {
            String doubt = doubt();
            return doubt.isEmpty() ? detail : detail + "; " + doubt;
        }
    }
}
