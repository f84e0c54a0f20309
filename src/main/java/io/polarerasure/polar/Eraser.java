package io.polarerasure.polar;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CancellationException;

import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Erases customers through Polar, one row per {@link #erase} call: paced, retried with backoff,
 * honest about answers that were lost. Thread-safe; one instance is shared by all workers of a
 * run, because the rate, a 429 pause, a refusal and an outage concern the run as a whole. What an answer means is
 * {@link AnswerJudge}'s to say, whether the run talks to Polar at all {@link Misconfiguration}'s, and how the run
 * stops and waits {@link StopSwitch}'s.
 */
public final class Eraser {

    private static final Logger log = LoggerFactory.getLogger(Eraser.class);

    /**
     * How far Polar's clock (which sets {@code created_at}) and this machine's (which times the attempts) may
     * disagree. A customer created less than this before the first attempt in doubt counts as created after it:
     * REVIEW, never erased. Two minutes covers an NTP-synchronised host many times over; an unsynchronised one
     * must be fixed before running.
     */
    public static final Duration CLOCK_SKEW_ALLOWANCE = Duration.ofMinutes(2);

    private final PolarClient client;
    private final int maxAttempts;
    private final Backoff backoff;
    private final Throttle throttle;
    private final StopSwitch stops;
    private final Misconfiguration misconfiguration;
    private final AnswerJudge judge;
    private final Duration readTimeout;
    private final Duration callTimeout;
    private final Clock clock;
    private volatile SendPermit permit = SendPermit.ALWAYS;
    private volatile InFlightLimit inFlight = InFlightLimit.NONE;
    private final SendingState state;

    /**
     * @param clock   time for pacing, pauses and HTTP-date Retry-After values
     * @param sleeper how every wait is done
     * @param random  the jitter of backoff waits
     */
    public Eraser(PolarClient client, PolarSettings settings, Clock clock, Sleeper sleeper, Random random) {
        this.client = Objects.requireNonNull(client, "client");
        this.maxAttempts = settings.maxAttempts();
        this.backoff = new Backoff(settings, random);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.state = new SendingState(clock);
        this.stops = new StopSwitch(sleeper);
        this.throttle = new Throttle(settings.rate(), clock, stops::await);
        this.misconfiguration = new Misconfiguration(client, stops);
        this.judge = new AnswerJudge(client, settings, misconfiguration, stops, throttle, state, clock);
        this.readTimeout = settings.readTimeout();
        this.callTimeout = settings.callTimeout();
    }

    /**
     * The production Eraser: its own HTTP client, real time and real sleeping.
     *
     * @param tokenSource where the token came from, for messages: {@code "POLAR_ACCESS_TOKEN"} or
     *                    {@code "--token-file /path"}
     */
    public static Eraser create(PolarSettings settings, String token, String tokenSource, String userAgent) {
        PolarClient client = new PolarClient(PolarClient.httpClient(settings), HttpUrl.get(settings.baseUrl()),
                token, userAgent).configure(settings.polarVersion(), tokenSource);
        return new Eraser(client, settings, MonotonicClock.startingNow(), Sleeper.system(), new Random());
    }

    /** Erases one customer that no earlier execution of the run sent; see {@link #erase(String, EarlierAttempts, AttemptLog)}. */
    public Erasure erase(String externalId) {
        return erase(externalId, EarlierAttempts.NONE, AttemptLog.NONE);
    }

    /**
     * Erases one customer, retrying transient failures. Once a DELETE of the row may have landed without a
     * definitive answer (a timeout, a connection lost after the request was written, any 5xx, an earlier
     * execution's attempt without a recorded answer, or an original run's per its report), it never sends a DELETE by external ID again: it asks
     * Polar who holds the ID ({@code GET}), and erases only a customer created before the first attempt in doubt
     * was sent (less {@link #CLOCK_SKEW_ALLOWANCE}), by that customer's own id. A customer created later took
     * the freed ID: it is left alone and the row is REVIEW. A 403 on the look-up falls back to sending the
     * DELETE by external ID again, logged once and noted on the row.
     *
     * @param externalId the customer's external ID, exactly as stored at Polar
     * @param earlier    what interrupted executions of the run sent for this row, and the doubt an original run's
     *                   report carries for it (a retry file)
     * @param attempts   told about each DELETE before it is sent
     * @return the row's result; ERASED only on a 204
     * @throws IllegalArgumentException    if the ID cannot be sent ({@link PolarClient#unsendable}); nothing is sent
     * @throws PolarRefusedException       if Polar refuses the credentials or the endpoint, now or earlier in the run
     * @throws PolarUnavailableException   if Polar looks down; the row has no result and the run should stop
     * @throws StopRequestedException     if {@link #stopSending()} was called before the row had its answer
     * @throws CancellationException       if the thread was interrupted; the row has no result
     */
    public Erasure erase(String externalId, EarlierAttempts earlier, AttemptLog attempts) {
        Optional<String> problem = PolarClient.unsendable(externalId);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        Row row = new Row(earlier);
        try {
            return send(externalId, row, attempts);
        } catch (InterruptedException e) {
            RuntimeException halt = stops.stopRequested() ? stops.haltFor(row) : null;
            if (halt != null) {
                throw halt; // woken from a wait by stopSending, not cancelled: nothing was sent while waiting
            }
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while erasing a customer; the row has no result, and an"
                    + " attempt sent for it may have landed");
        } finally {
            releasePermit(row);
            Throttle.turnOver();
        }
    }

    /** Gives the row's in-flight permit back, if it holds one, with the latency of its request if one went. */
    private void releasePermit(Row row) {
        if (row.permitHeld) {
            row.permitHeld = false;
            inFlight.release(row.requestAt == null ? null : Duration.between(row.requestAt, clock.instant()));
            row.requestAt = null;
        }
    }

    /**
     * A graceful stop: nothing more is sent. Calls in flight finish and return their result; rows
     * waiting for their turn, a 429 pause (up to a minute) or a backoff give up at once with
     * {@link StopRequestedException}, so a stop takes no longer than the slowest call in flight.
     */
    public void stopSending() {
        stops.requestStop();
    }

    /**
     * Which environment answered, by the {@code X-Polar-Sandbox} header of the last answer that decided a row:
     * "sandbox (...)" or "production (...)"; empty before any such answer.
     */
    public Optional<String> answeredBy() {
        return misconfiguration.answeredBy();
    }

    /** From now on, every request leaves only if this permit allows it (the run's lease). */
    public void requirePermit(SendPermit sendPermit) {
        this.permit = Objects.requireNonNull(sendPermit, "sendPermit");
    }

    /** From now on, a request leaves only while it holds one of this pool's permits ({@code --concurrency auto}). */
    public void limitInFlight(InFlightLimit limit) {
        this.inFlight = Objects.requireNonNull(limit, "limit");
    }

    /** What the workers wait for when they are not sending, for progress lines and {@code status}. */
    public SendingState sendingState() {
        return state;
    }

    /** The rate requests are paced at now: the configured one, or lower after repeated 429s. */
    public Rate currentRate() {
        return throttle.currentRate();
    }

    private Erasure send(String externalId, Row row, AttemptLog attempts) throws InterruptedException {
        while (true) {
            releasePermit(row);
            stops.throwIfStopped(row);
            // Before the turn, so that the request leaves in its slot: a permit waited for after it would push the
            // request into a later slot's time, and a window could hold one request more than the rate.
            InFlightLimit limit = inFlight;
            if (limit != InFlightLimit.NONE) {
                stops.interruptibly(limit::acquire);
                row.permitHeld = true;
            }
            throttle.awaitTurn();
            // Another worker may have been refused while this one waited for its turn.
            stops.throwIfStopped(row);
            // Every request, look-up or DELETE, leaves only while this process holds the run (its lease).
            permit.check(row.mayHaveLanded());
            boolean lookingUp = row.mustLookUp();
            if (lookingUp && judge.lookUpForbidden()) {
                // An earlier row's look-up got 403: the token cannot read customers; don't spend a request on it.
                row.lookUpRefused = true;
                lookingUp = false;
            }
            Instant sentAt = clock.instant();
            row.requestAt = sentAt;
            boolean counted;
            boolean unreachable = false;
            row.rateLimitedNow = false;
            try {
                Optional<Erasure> result;
                if (lookingUp) {
                    row.lookUps++;
                    PolarClient.LookUp lookUp = client.lookUp(externalId);
                    row.status = lookUp.answer().status();
                    counted = judge.judge(lookUp.answer(), true, row);
                    result = counted ? judge.concludeLookUp(lookUp, row) : Optional.empty();
                } else {
                    row.attempts++;
                    attempts.sending(row.attempts, sentAt);
                    // Asked again after the SENDING mark (a database commit with PostgreSQL): a process paused
                    // in between must not wake and send. Refused here, the marked attempt counts as possibly
                    // sent, which errs on the side of doubt.
                    permit.check(true);
                    Answer answer = row.target == null ? client.delete(externalId) : client.deleteCustomer(row.target);
                    row.status = answer.status();
                    if (answer.inDoubt()) {
                        row.lost(sentAt, answer.detail());
                    }
                    counted = judge.judge(answer, false, row);
                    result = counted ? judge.conclude(answer, row) : Optional.empty();
                }
                if (!row.rateLimitedNow) {
                    throttle.answered();
                }
                if (result.isPresent()) {
                    judge.settled();
                    return result.get();
                }
                if (row.sendAtOnce) {
                    // The look-up decided what to send; that is no failure, so no backoff.
                    row.sendAtOnce = false;
                    continue;
                }
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("interrupted during a request");
                }
                row.transportFailed(e, lookingUp ? null : sentAt);
                row.plainError = TransportFailure.plain(e, readTimeout, callTimeout);
                unreachable = TransportFailure.unreached(e);
                if (unreachable && !lookingUp) {
                    // No connection, so no DELETE left: the attempts column counts DELETEs sent. Its SENDING mark
                    // stays in the journal (a crash now resumes the row in doubt, erring on the safe side), and the
                    // next DELETE is marked under the same number.
                    attempts.unsent(row.attempts);
                    row.attempts--;
                }
                // A DELETE written stays in doubt (row.lost above) even when the failure does not count.
                counted = misconfiguration.transportFailureCounts(e, row);
            }
            releasePermit(row);
            if (!counted) {
                // Says nothing about the row (a 429, or not yet talking to Polar): no attempt used up. A 429's
                // pause is waited out in the throttle; anything else waits the first backoff step.
                if (!row.rateLimitedNow) {
                    Duration wait = backoff.before(2);
                    state.waiting(unreachable ? "cannot reach Polar (" + row.plainError + ")" : "waiting for an"
                            + " answer Polar gives (" + row.cause() + ")", clock.instant().plus(wait));
                    stops.await(wait);
                }
                continue;
            }
            int failures = row.failed(lookingUp);
            if (failures >= maxAttempts) {
                return judge.gaveUp(row);
            }
            Duration wait = backoff.before(failures + 1);
            if (unreachable || !Integer.valueOf(429).equals(row.status)) { // a 429 set its own pause
                state.waiting(unreachable ? "cannot reach Polar, " + failures + " tr" + (failures == 1 ? "y" : "ies")
                        + " for a row" : "retrying a row (" + row.cause() + "), attempt " + (failures + 1) + " of "
                        + maxAttempts, clock.instant().plus(wait));
            }
            log.debug("Request {} for a row failed ({}); next one in {} ms", failures, row.lastError,
                    wait.toMillis());
            stops.await(wait);
        }
    }

    /**
     * Throws the whole-run fault that stopped the run, if one did. Called once a row's result is recorded, so
     * that a row settled by the very answer that stopped the run (a 204 from the other environment) is kept,
     * and the run still stops.
     *
     * @throws PolarRefusedException     if Polar refused the credentials, the endpoint or the environment
     * @throws PolarUnavailableException if Polar looked down
     */
    public void failIfStopped() {
        stops.failIfStopped();
    }
}
