package io.polarerasure.polar;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
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

    /**
     * How far Polar's clock (which sets {@code created_at}) and this machine's (which times the attempts) may
     * disagree. A customer created less than this before the first attempt in doubt counts as created after it:
     * REVIEW, never erased. Two minutes covers an NTP-synchronised host many times over; an unsynchronised one
     * must be fixed before running.
     */
    public static final Duration CLOCK_SKEW_ALLOWANCE = Duration.ofMinutes(2);

    private final PolarClient client;
    private final int maxAttempts;
    private final IntervalFunction backoff;
    private final Throttle throttle;
    private final OutageWindow outage;
    private final Misconfiguration misconfiguration = new Misconfiguration();
    private final Duration maxPause;
    private final Duration readTimeout;
    private final Duration callTimeout;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Random random;
    /** The first whole-run fault; once set, nothing more is sent. */
    private final AtomicReference<RuntimeException> stopped = new AtomicReference<>();
    /** Workers inside a wait (their turn, a 429 pause, a backoff), to wake them on a stop request. */
    private final Set<Thread> waiting = new HashSet<>();
    private volatile boolean stopRequested;
    /** Whether a look-up was refused with 403 already: logged once per run. */
    private final AtomicBoolean lookUpForbidden = new AtomicBoolean();
    /** Which environment the last row-deciding answer came from, by its X-Polar-Sandbox header. */
    private final AtomicReference<String> answeredBy = new AtomicReference<>();
    private final String answeredBySandbox;
    private final String answeredByOther;
    private volatile SendPermit permit = SendPermit.ALWAYS;
    private volatile InFlightLimit inFlight = InFlightLimit.NONE;
    private final SendingState state = new SendingState();

    /**
     * @param clock   time for pacing, pauses and HTTP-date Retry-After values
     * @param sleeper how every wait is done
     * @param random  the jitter of backoff waits
     */
    public Eraser(PolarClient client, PolarSettings settings, Clock clock, Sleeper sleeper, Random random) {
        this.client = Objects.requireNonNull(client, "client");
        this.answeredBySandbox = answeredBy(client, true);
        this.answeredByOther = answeredBy(client, false);
        this.maxAttempts = settings.maxAttempts();
        this.backoff = IntervalFunction.ofExponentialBackoff(settings.initialBackoff(), BACKOFF_MULTIPLIER,
                settings.maxBackoff());
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.random = Objects.requireNonNull(random, "random");
        this.throttle = new Throttle(settings.rate(), clock, this::await);
        this.outage = new OutageWindow(settings.breakerWindow());
        this.maxPause = settings.maxPause();
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
     * definitive answer (a timeout, a connection lost after the request was written, any 5xx, or an earlier
     * execution's attempt without a recorded answer), it never sends a DELETE by external ID again: it asks
     * Polar who holds the ID ({@code GET}), and erases only a customer created before the first attempt in doubt
     * was sent (less {@link #CLOCK_SKEW_ALLOWANCE}), by that customer's own id. A customer created later took
     * the freed ID: it is left alone and the row is REVIEW. A 403 on the look-up falls back to sending the
     * DELETE by external ID again, logged once and noted on the row.
     *
     * @param externalId the customer's external ID, exactly as stored at Polar
     * @param earlier    what interrupted executions of the run sent for this row
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
            RuntimeException halt = stopRequested ? haltFor(row) : null;
            if (halt != null) {
                throw halt; // woken from a wait by stopSending, not cancelled: nothing was sent while waiting
            }
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while erasing a customer; the row has no result, and an"
                    + " attempt sent for it may have landed");
        } finally {
            releasePermit(row);
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
        synchronized (waiting) {
            stopRequested = true;
            // Only threads inside a wait are interrupted, never one in an HTTP call.
            waiting.forEach(Thread::interrupt);
        }
    }

    /**
     * Which environment answered, by the {@code X-Polar-Sandbox} header of the last answer that decided a row:
     * "sandbox (...)" or "production (...)"; empty before any such answer.
     */
    public Optional<String> answeredBy() {
        return Optional.ofNullable(answeredBy.get());
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
        int failures = 0;
        while (true) {
            releasePermit(row);
            throwIfStopped(row);
            // Before the turn, so that the request leaves in its slot: a permit waited for after it would push the
            // request into a later slot's time, and a window could hold one request more than the rate.
            InFlightLimit limit = inFlight;
            if (limit != InFlightLimit.NONE) {
                interruptibly(limit::acquire);
                row.permitHeld = true;
            }
            throttle.awaitTurn();
            // Another worker may have been refused while this one waited for its turn.
            throwIfStopped(row);
            // Every request, look-up or DELETE, leaves only while this process holds the run (its lease).
            permit.check(row.mayHaveLanded());
            boolean lookingUp = row.mustLookUp();
            if (lookingUp && lookUpForbidden.get()) {
                // An earlier row's look-up got 403: the token cannot read customers; don't spend a request on it.
                row.lookUpRefused = true;
                lookingUp = false;
            }
            Instant sentAt = clock.instant();
            row.requestAt = sentAt;
            boolean counted = true;
            boolean unreachable = false;
            row.rateLimitedNow = false;
            try {
                Optional<Erasure> result;
                if (lookingUp) {
                    row.lookUps++;
                    PolarClient.LookUp lookUp = client.lookUp(externalId);
                    row.status = lookUp.answer().status();
                    counted = judge(lookUp.answer(), true, row);
                    result = counted ? concludeLookUp(lookUp, row) : Optional.empty();
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
                    counted = judge(answer, false, row);
                    result = counted ? conclude(answer, row) : Optional.empty();
                }
                if (!row.rateLimitedNow) {
                    throttle.answered();
                }
                if (result.isPresent()) {
                    state.sending();
                    outage.record(false);
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
                unreachable = unreached(e);
                if (unreachable) {
                    row.unreached++;
                    counted = misconfiguration.proven();
                    if (!counted) {
                        tripIfMisconfigured(describe(e), fixFor(e), row);
                    }
                } else if (!misconfiguration.heardHttp()) {
                    // Silence or a non-HTTP reply before anything answered as HTTP: not Polar in trouble but not
                    // Polar at all. The row keeps its attempts; a DELETE written stays in doubt (row.lost above).
                    counted = false;
                    tripIfMisconfigured(describe(e), TransportFailure.fixBeforeAnyAnswer(row.plainError), row);
                }
            }
            releasePermit(row);
            if (!counted) {
                // Says nothing about the row (a 429, or not yet talking to Polar): no attempt used up. A 429's
                // pause is waited out in the throttle; anything else waits the first backoff step.
                if (!row.rateLimitedNow) {
                    Duration wait = backoffBefore(2);
                    state.waiting(unreachable ? "cannot reach Polar (" + row.plainError + ")" : "waiting for an"
                            + " answer Polar gives (" + row.cause() + ")", clock.instant().plus(wait));
                    await(wait);
                }
                continue;
            }
            failures++;
            row.failures = failures;
            if (lookingUp) {
                row.failedLookUps++;
            } else {
                row.failedDeletes++;
            }
            if (failures >= maxAttempts) {
                return gaveUp(row);
            }
            Duration wait = backoffBefore(failures + 1);
            if (unreachable || !Integer.valueOf(429).equals(row.status)) { // a 429 set its own pause
                state.waiting(unreachable ? "cannot reach Polar, " + failures + " tr" + (failures == 1 ? "y" : "ies")
                        + " for a row" : "retrying a row (" + row.cause() + "), attempt " + (failures + 1) + " of "
                        + maxAttempts, clock.instant().plus(wait));
            }
            log.debug("Request {} for a row failed ({}); next one in {} ms", failures, row.lastError,
                    wait.toMillis());
            await(wait);
        }
    }

    /** The row's result if this answer to a DELETE settles it; empty if it is worth another request. */
    private Optional<Erasure> conclude(Answer answer, Row row) {
        if (answer.kind() == Answer.Kind.ERASED && !client.environment().accepts(answer.sandbox())) {
            // The other environment erased a customer all the same: that 204 is evidence and must reach a report
            // (DELETED, noted). The run stops: the caller records this row, then failIfStopped() throws.
            stopped.compareAndSet(null, PolarRefusedException.wrongEnvironment(answer, client.environment(),
                    client.baseUrl()));
            return Optional.of(row.result(Erasure.Result.ERASED, 204, row.attempts, row.withDoubt("answered by "
                    + PolarEnvironment.answeredBy(answer.sandbox()) + ", although the run was started against Polar "
                    + client.environment().label() + " (" + client.baseUrl() + "): the customer was erased there;"
                    + " the run stopped")));
        }
        if (answer.decidesRow()) {
            checkEnvironment(answer, row);
        }
        return switch (answer.kind()) {
            case ERASED -> Optional.of(row.result(Erasure.Result.ERASED, 204, row.attempts, row.doubt()));
            case NOT_FOUND -> Optional.of(row.result(Erasure.Result.NOT_FOUND, 404, row.attempts, row.target == null
                    ? row.doubt()
                    : row.withDoubt("the customer the look-up found was already gone when erased by its Polar id:"
                            + " an earlier attempt whose answer was lost did erase it")));
            case REJECTED -> Optional.of(row.result(Erasure.Result.REJECTED, 422, row.attempts,
                    row.withDoubt(answer.detail())));
            case UNEXPECTED, FOUND -> Optional.of(row.result(Erasure.Result.FAILED, answer.status(), row.attempts,
                    row.withDoubt(answer.detail() + " (unexpected answer, not retried)")));
            case UNAUTHORIZED, FORBIDDEN, NO_ROUTE -> throw stop(refusal(answer), row);
            case TRANSIENT -> {
                transient_(answer, row);
                yield Optional.empty();
            }
        };
    }

    /** The row's result if the look-up settles it; empty if a DELETE is to follow (at once) or a retry. */
    private Optional<Erasure> concludeLookUp(PolarClient.LookUp lookUp, Row row) {
        Answer answer = lookUp.answer();
        if (answer.kind() == Answer.Kind.FOUND || answer.kind() == Answer.Kind.NOT_FOUND) {
            checkEnvironment(answer, row); // a look-up in the wrong environment must not pick whom to erase
        }
        return switch (answer.kind()) {
            case FOUND -> {
                Customer holder = lookUp.customer().orElseThrow();
                Instant bound = row.firstLostAt.minus(CLOCK_SKEW_ALLOWANCE);
                if (holder.createdAt().isBefore(bound)) {
                    // Created before any attempt in doubt was sent and still there: those attempts did not
                    // land. Erase that customer by its own id, which cannot hit anyone who takes the ID later.
                    row.target = holder.id();
                    row.targetCreatedAt = holder.createdAt();
                    row.sendAtOnce = true;
                    yield Optional.empty();
                }
                yield Optional.of(row.result(Erasure.Result.REVIEW, 200, row.attempts, row.withDoubt(
                        "an earlier attempt most likely erased the requested customer: a customer created at "
                        + holder.createdAt() + " (Polar id " + holder.id() + ") now holds the external ID, which is"
                        + " not earlier than " + CLOCK_SKEW_ALLOWANCE.toMinutes() + " min (the clock-skew allowance)"
                        + " before the first attempt in doubt was sent at " + row.firstLostAt + "; it was left alone."
                        + " Check with the merchant whether that customer is the same person signing up again,"
                        + " and erase it by hand only if the erasure request covers it")));
            }
            case NOT_FOUND -> Optional.of(row.result(Erasure.Result.NOT_FOUND, 404, row.attempts, row.withDoubt(
                    "the look-up found no live customer with this external ID: an earlier attempt whose answer was"
                    + " lost most likely erased the customer; nothing more was sent")));
            case FORBIDDEN -> {
                if (lookUpForbidden.compareAndSet(false, true)) {
                    log.warn("Polar refused the look-up of a customer (HTTP 403: the token cannot read customers)."
                            + " Rows whose earlier answer was lost are sent again by external ID, which may erase a"
                            + " customer who took a freed ID; give the token customers:read or customers:write"
                            + " to avoid that.");
                }
                row.lookUpRefused = true;
                row.sendAtOnce = true;
                yield Optional.empty();
            }
            case UNAUTHORIZED, NO_ROUTE -> throw stop(refusal(answer), row);
            case TRANSIENT -> {
                transient_(answer, row);
                yield Optional.empty();
            }
            case ERASED, REJECTED, UNEXPECTED -> Optional.of(row.result(Erasure.Result.FAILED, answer.status(),
                    row.attempts, row.withDoubt("look-up: " + answer.detail() + " (unexpected answer, not retried)")));
        };
    }

    private PolarRefusedException refusal(Answer answer) {
        return PolarRefusedException.of(answer, client.baseUrl(), client.tokenSource(), client.polarVersion());
    }

    /** Stops the run when a row-deciding answer comes from the other environment than the one configured. */
    private void checkEnvironment(Answer answer, Row row) {
        if (!client.environment().accepts(answer.sandbox())) {
            throw stop(PolarRefusedException.wrongEnvironment(answer, client.environment(), client.baseUrl()), row);
        }
        answeredBy.set(answer.sandbox() ? answeredBySandbox : answeredByOther);
    }

    /** What {@link #answeredBy()} says of an answer with or without the sandbox header; the same for every answer. */
    private static String answeredBy(PolarClient client, boolean sandbox) {
        // Only Polar's own hosts are known to mark the sandbox: elsewhere the header proves nothing.
        return client.environment() == PolarEnvironment.OTHER
                ? (sandbox ? PolarEnvironment.SANDBOX_HEADER + ": 1" : "no " + PolarEnvironment.SANDBOX_HEADER
                        + " header") + " from " + client.baseUrl().host() + ", not one of Polar's hosts (not checked)"
                : PolarEnvironment.answeredBy(sandbox);
    }

    private void transient_(Answer answer, Row row) {
        row.lastError = answer.detail();
    }

    /**
     * Weighs an answer before it may decide the row: an answer only Polar gives proves the endpoint; one Polar
     * never gives on this route counts toward {@link Misconfiguration} (and stops the run when it trips); a 429
     * pauses every worker. Returns false when the answer must not use up one of the row's attempts: a 429 (it
     * means "later", not "no"), an answer Polar never gives while no answer has yet shown the endpoint is
     * Polar's, or a 5xx while every answer of the execution was one (the request said nothing about the row;
     * {@link Misconfiguration#THRESHOLD} of them stop the run resumably).
     */
    private boolean judge(Answer answer, boolean lookUp, Row row) {
        misconfiguration.httpAnswered();
        row.plainError = null;
        if (!answer.inDoubt()) {
            misconfiguration.answeredBeyondEdge();
        } else if (misconfiguration.onlyEdgeAnswered()) {
            // Only 5xx so far: nothing shows Polar's API answers at all, so the answer says nothing about the row.
            // A DELETE it answered stays in doubt (row.lost), so the row is looked up first on resume.
            row.lastError = answer.detail();
            Optional<String> seen = misconfiguration.edgeOnly(answer.status());
            if (seen.isPresent()) {
                throw stop(edgeOnly(seen.get()), row);
            }
            return false;
        }
        if (answer.rateLimited()) {
            misconfiguration.polarAnswered();
            row.rateLimitedNow = true;
            rateLimited(answer, row);
            return false;
        }
        boolean foreign = switch (answer.kind()) {
            case UNEXPECTED, REJECTED -> true;
            case FOUND -> !lookUp;
            case ERASED -> lookUp;
            default -> false;
        };
        if (!foreign) {
            if (answer.kind() == Answer.Kind.ERASED || answer.kind() == Answer.Kind.NOT_FOUND
                    || answer.kind() == Answer.Kind.FOUND) {
                misconfiguration.polarAnswered();
            }
            return true;
        }
        boolean proven = misconfiguration.proven();
        tripIfMisconfigured(answer.shape(), fixFor(answer), row);
        row.lastError = answer.detail();
        return proven;
    }

    private PolarUnavailableException edgeOnly(String seen) {
        return new PolarUnavailableException("Stopped: every answer so far was " + seen + " from the edge ("
                + Misconfiguration.THRESHOLD + " in a row from " + client.baseUrl() + "): Polar looks down, or"
                + " --api-url points at a proxy whose backend does not answer. No row was marked; the same command"
                + " resumes, rows whose request may have landed are looked up first.");
    }

    private void tripIfMisconfigured(String seen, String fix, Row row) {
        Optional<String> tripped = misconfiguration.foreign(seen);
        if (tripped.isPresent()) {
            throw stop(PolarRefusedException.misconfigured(tripped.get(), fix, client.baseUrl()), row);
        }
    }

    /**
     * Polar answered 429: pause every worker for its Retry-After (60 s without one). A pause longer than
     * --max-pause, or a row that has been waiting on 429s for longer than that, stops the run resumably.
     */
    private void rateLimited(Answer answer, Row row) {
        Duration pause = answer.retryDelay(clock).orElse(Throttle.DEFAULT_PAUSE);
        Instant now = clock.instant();
        if (pause.compareTo(maxPause) > 0) {
            throw stop(new PolarUnavailableException("Polar answered 429 (rate limit) asking to wait "
                    + pause.toSeconds() + " s (Retry-After), longer than --max-pause (" + maxPause.toMinutes()
                    + " min): the organization's API budget is blocked, often by other traffic of the"
                    + " organization. Stopped instead of sleeping; run the same command again after "
                    + now.plus(pause).truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " to resume."), row);
        }
        if (row.firstRateLimitedAt == null) {
            row.firstRateLimitedAt = now;
        } else if (Duration.between(row.firstRateLimitedAt, now).compareTo(maxPause) > 0) {
            throw stop(new PolarUnavailableException("Polar kept answering 429 (rate limit) to the same row for"
                    + " more than --max-pause (" + maxPause.toMinutes() + " min): the organization's API budget"
                    + " is used up by other traffic. Stopped; run the same command again later to resume (a"
                    + " lower --rate-limit leaves more room for the merchant's own traffic)."), row);
        }
        throttle.rateLimited(Optional.of(pause));
        state.waiting("paused " + pause.toSeconds() + " s for Polar's rate limit (429)", now.plus(pause));
    }

    /** Refused connections, unknown hosts and failed TLS handshakes fail before any request leaves. */
    static boolean unreached(IOException e) {
        return e instanceof ConnectException || e instanceof UnknownHostException
                || e instanceof java.net.NoRouteToHostException || e instanceof javax.net.ssl.SSLHandshakeException
                || e instanceof javax.net.ssl.SSLException && String.valueOf(e.getMessage()).contains(
                        "Unsupported or unrecognized SSL message");
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + ": " + Answer.snippet(String.valueOf(e.getMessage()));
    }

    private static String fixFor(IOException e) {
        if (e instanceof UnknownHostException) {
            return "the host of --api-url cannot be resolved; check its spelling and this machine's DNS.";
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return "the TLS handshake failed; the host and port of --api-url most likely do not speak HTTPS (a"
                    + " plain-HTTP port?) or a proxy intercepts TLS.";
        }
        return "nothing accepts connections at the host and port of --api-url; check them, and any firewall or"
                + " proxy in between.";
    }

    private static String fixFor(Answer answer) {
        int status = answer.status();
        if (status >= 200 && status < 300) {
            return "Polar answers a DELETE only with 204, so --api-url probably points at a web page or another"
                    + " service, not Polar's API (https://api.polar.sh, sandbox https://sandbox-api.polar.sh).";
        }
        if (status >= 300 && status < 400) {
            return "Polar's API never redirects, so --api-url probably points at a web site or a proxy; use the"
                    + " API's own URL (https://api.polar.sh, sandbox https://sandbox-api.polar.sh).";
        }
        if (status == 422) {
            return "Polar rejected every request as malformed, which it does only for a wrong anonymize flag: check"
                    + " --api-url and --polar-version, and any proxy that rewrites requests.";
        }
        return "Polar never gives this answer on its customer routes, so --api-url probably points at another"
                + " service or a proxy in between answers; check --api-url.";
    }

    private Erasure gaveUp(Row row) {
        if (row.status == null && row.unreached > 0 && !row.mayHaveLanded()) {
            // Every request failed before it could reach Polar: the row provably did not land, and marking it
            // FAILED would burn it. It is sent on resume like an untouched row.
            throw stop(new PolarUnavailableException("Cannot reach Polar at " + client.baseUrl() + ": "
                    + row.failures + " requests in a row failed before reaching it (last error: " + row.lastError
                    + "). Stopped; nothing was marked for the rows concerned. Re-run the same command to resume"
                    + " once the network is back."), row);
        }
        if (outage.record(true)) {
            // Most recent rows failed even after retries: Polar is down. Failing every remaining row
            // would burn the file; stopping lets the run resume later. This row stays unanswered.
            throw stop(new PolarUnavailableException("Polar looks unavailable: more than half of the last "
                    + outage.size() + " rows failed even after " + maxAttempts + " attempts each (last error: "
                    + row.lastError + "). Stopped; re-run the same command to resume once Polar answers again."),
                    row);
        }
        return row.result(Erasure.Result.FAILED, row.status, row.attempts,
                row.withDoubt("gave up after " + row.failedRequests() + "; last error: " + row.lastError));
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
        RuntimeException fault = stopped.get();
        if (fault != null) {
            throw fault;
        }
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
        interruptibly(() -> sleeper.sleep(duration));
    }

    private void interruptibly(Wait wait) throws InterruptedException {
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

    /** Exponential, capped, with jitter: a random wait between half and all of the step. */
    private Duration backoffBefore(int attempt) {
        long step = backoff.apply(attempt - 1);
        return Duration.ofMillis(step - (long) (random.nextDouble() * (step / 2)));
    }

    /** A wait that an interrupt cuts short. */
    @FunctionalInterface
    private interface Wait {
        void run() throws InterruptedException;
    }

    /** What one erase call has learnt so far; confined to its thread. */
    private static final class Row {

        private final EarlierAttempts earlier;
        /** DELETEs sent for the row, earlier executions included. */
        private int attempts;
        private int lookUps;
        /** Requests of this execution (DELETEs and look-ups) that got no conclusive answer. */
        private int failures;
        private Integer status;
        private String lastError = "";
        private String lostAnswer;
        /** When the first DELETE in doubt was sent (or a lower bound), or null while none is. */
        private Instant firstLostAt;
        /** The customer the look-up found, created before the first attempt in doubt. */
        private UUID target;
        private Instant targetCreatedAt;
        private boolean lookUpRefused;
        private boolean sendAtOnce;
        /** Of {@link #failures}: DELETEs and look-ups, so the detail agrees with the attempts column. */
        private int failedDeletes;
        private int failedLookUps;
        /** The last request's failure in plain words, or null when it had an HTTP answer. */
        private String plainError;
        /** Requests of this execution that failed before they could reach a server. */
        private int unreached;
        /** Whether the request just sent got a 429. */
        private boolean rateLimitedNow;
        /** When this row first got a 429, or null. */
        private Instant firstRateLimitedAt;
        /** Whether the row holds an {@link InFlightLimit} permit, and when its request left (null before). */
        private boolean permitHeld;
        private Instant requestAt;

        Row(EarlierAttempts earlier) {
            this.earlier = earlier;
            this.attempts = earlier.sent();
            this.firstLostAt = earlier.inDoubt() ? earlier.firstSentAt() : null;
        }

        /** A look-up comes before any DELETE once the row is in doubt, unless its customer is known or 403. */
        boolean mustLookUp() {
            return firstLostAt != null && target == null && !lookUpRefused;
        }

        void lost(Instant sentAt, String error) {
            if (lostAnswer == null) {
                lostAnswer = error;
            }
            if (firstLostAt == null) {
                firstLostAt = sentAt;
            }
        }

        /** @param sentAt when the DELETE that failed was sent, or null for a look-up */
        void transportFailed(IOException e, Instant sentAt) {
            lastError = e.getClass().getSimpleName() + ": " + Answer.snippet(String.valueOf(e.getMessage()));
            // Refused connections and unknown hosts fail before the request leaves; anything else
            // (timeout, dropped connection) may come after Polar committed the erasure.
            if (sentAt != null && !unreached(e)) {
                lost(sentAt, lastError);
            }
        }

        /** What the last request met, for progress lines: its HTTP status, or its failure in plain words. */
        String cause() {
            return plainError != null ? plainError : status != null ? "HTTP " + status : lastError;
        }

        /** "2 DELETEs", "1 DELETE and 1 look-up": the failed requests, each kind counted apart. */
        String failedRequests() {
            String deletes = failedDeletes + " DELETE" + (failedDeletes == 1 ? "" : "s");
            String lookUps = failedLookUps + " look-up" + (failedLookUps == 1 ? "" : "s");
            String both = failedLookUps == 0 ? deletes : failedDeletes == 0 ? lookUps : deletes + " and " + lookUps;
            return both + " without a conclusive answer";
        }

        boolean mayHaveLanded() {
            return firstLostAt != null;
        }

        String doubt() {
            List<String> notes = new ArrayList<>();
            if (earlier.inDoubt()) {
                notes.add(earlier.exact()
                        ? "an interrupted execution of this run sent " + earlier.sent() + " attempt"
                                + (earlier.sent() == 1 ? "" : "s") + " (the first at " + earlier.firstSentAt()
                                + ") without recording the answer, so it may have erased the customer"
                        : "an interrupted execution of this run may have sent this row after " + earlier.firstSentAt()
                                + " and its journal was lost: how many attempts it sent is unknown and not counted,"
                                + " and it may have erased the customer");
            }
            if (lostAnswer != null) {
                notes.add("an earlier attempt's answer was lost (" + lostAnswer
                        + "), so that attempt may have erased the customer");
            }
            if (lookUps > 0) {
                notes.add(lookUps + " look-up" + (lookUps == 1 ? "" : "s") + " by external ID (not counted in"
                        + " attempts)");
            }
            if (target != null) {
                notes.add("the look-up found the customer created at " + targetCreatedAt + ", before the first"
                        + " attempt in doubt, so that attempt did not take effect; erased by its Polar id " + target);
            }
            if (lookUpRefused) {
                notes.add("the look-up was refused (403), so the row was sent again by external ID, which may have"
                        + " erased a customer who took the ID after the lost attempt");
            }
            return String.join("; ", notes);
        }

        Erasure result(Erasure.Result result, Integer status, int attempts, String detail) {
            return new Erasure(result, status, attempts, detail, mayHaveLanded());
        }

        String withDoubt(String detail) {
            String doubt = doubt();
            return doubt.isEmpty() ? detail : detail + "; " + doubt;
        }
    }
}
