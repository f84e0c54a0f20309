package io.polarerasure.polar;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what an answer means for a row, for the {@link Eraser}: whether it uses up one of the row's attempts,
 * whether it settles the row (and with which result and detail), whether it stops the run, and what a row that ran
 * out of attempts gets. Thread-safe; one per Eraser, since a 429, a refusal and an outage concern the whole run.
 */
final class AnswerJudge {

    // Logged as the Eraser, whose work this is: operators' logging configuration names that class.
    private static final Logger log = LoggerFactory.getLogger(Eraser.class);

    private final PolarClient client;
    private final Misconfiguration misconfiguration;
    private final StopSwitch stops;
    private final Throttle throttle;
    private final SendingState state;
    private final OutageWindow outage;
    private final Clock clock;
    private final Duration maxPause;
    private final int maxAttempts;
    /** Whether a look-up was refused with 403 already: logged once per run. */
    private final AtomicBoolean lookUpForbidden = new AtomicBoolean();

    AnswerJudge(PolarClient client, PolarSettings settings, Misconfiguration misconfiguration, StopSwitch stops,
                Throttle throttle, SendingState state, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.misconfiguration = Objects.requireNonNull(misconfiguration, "misconfiguration");
        this.stops = Objects.requireNonNull(stops, "stops");
        this.throttle = Objects.requireNonNull(throttle, "throttle");
        this.state = Objects.requireNonNull(state, "state");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.outage = new OutageWindow(settings.breakerWindow());
        this.maxPause = settings.maxPause();
        this.maxAttempts = settings.maxAttempts();
    }

    /** Whether an earlier look-up got 403: the token cannot read customers, so no request is spent on another. */
    boolean lookUpForbidden() {
        return lookUpForbidden.get();
    }

    /** A row got its result: one more row of the outage window that did not fail. */
    void settled() {
        state.sending();
        outage.record(false);
    }

    /**
     * Weighs an answer before it may decide the row: an answer only Polar gives proves the endpoint; one Polar
     * never gives on this route counts toward {@link Misconfiguration} (and stops the run when it trips); a 429
     * pauses every worker. Returns false when the answer must not use up one of the row's attempts: a 429 (it
     * means "later", not "no"), an answer Polar never gives while no answer has yet shown the endpoint is
     * Polar's, or a 5xx while every answer of the execution was one (the request said nothing about the row;
     * {@link Misconfiguration#THRESHOLD} of them stop the run resumably).
     */
    boolean judge(Answer answer, boolean lookUp, Row row) {
        row.plainError = null;
        if (misconfiguration.edgeAnswerOnly(answer, row)) {
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
        return misconfiguration.foreignAnswerCounts(answer, row);
    }

    /** The row's result if this answer to a DELETE settles it; empty if it is worth another request. */
    Optional<Erasure> conclude(Answer answer, Row row) {
        if (answer.kind() == Answer.Kind.ERASED && !client.environment().accepts(answer.sandbox())) {
            // The other environment erased a customer all the same: that 204 is evidence and must reach a report
            // (DELETED, noted). The run stops: the caller records this row, then failIfStopped() throws.
            stops.fault(PolarRefusedException.wrongEnvironment(answer, client.environment(), client.baseUrl()));
            return Optional.of(row.result(Erasure.Result.ERASED, 204, row.withDoubt("answered by "
                    + PolarEnvironment.answeredBy(answer.sandbox()) + ", although the run was started against Polar "
                    + client.environment().label() + " (" + client.baseUrl() + "): the customer was erased there;"
                    + " the run stopped")));
        }
        if (answer.decidesRow()) {
            misconfiguration.checkEnvironment(answer, row);
        }
        return switch (answer.kind()) {
            case ERASED -> Optional.of(row.result(Erasure.Result.ERASED, 204, row.doubt()));
            case NOT_FOUND -> Optional.of(row.result(Erasure.Result.NOT_FOUND, 404, row.target == null
                    ? row.doubt()
                    : row.withDoubt("the customer the look-up found was already gone when erased by its Polar id:"
                            + " an earlier attempt whose answer was lost did erase it")));
            case REJECTED -> Optional.of(row.result(Erasure.Result.REJECTED, 422, row.withDoubt(answer.detail())));
            case UNEXPECTED, FOUND -> Optional.of(row.result(Erasure.Result.FAILED, answer.status(),
                    row.withDoubt(answer.detail() + " (unexpected answer, not retried)")));
            case UNAUTHORIZED, FORBIDDEN, NO_ROUTE -> throw stops.stop(refusal(answer), row);
            case TRANSIENT -> {
                row.lastError = answer.detail();
                yield Optional.empty();
            }
        };
    }

    /** The row's result if the look-up settles it; empty if a DELETE is to follow (at once) or a retry. */
    Optional<Erasure> concludeLookUp(PolarClient.LookUp lookUp, Row row) {
        Answer answer = lookUp.answer();
        if (answer.kind() == Answer.Kind.FOUND || answer.kind() == Answer.Kind.NOT_FOUND) {
            // A look-up in the wrong environment must not pick whom to erase.
            misconfiguration.checkEnvironment(answer, row);
        }
        return switch (answer.kind()) {
            case FOUND -> {
                Customer holder = lookUp.customer().orElseThrow();
                Instant bound = row.firstLostAt.minus(Eraser.CLOCK_SKEW_ALLOWANCE);
                if (holder.createdAt().isBefore(bound)) {
                    // Created before any attempt in doubt was sent and still there: those attempts did not
                    // land. Erase that customer by its own id, which cannot hit anyone who takes the ID later.
                    row.target = holder.id();
                    row.targetCreatedAt = holder.createdAt();
                    row.sendAtOnce = true;
                    yield Optional.empty();
                }
                yield Optional.of(row.result(Erasure.Result.REVIEW, 200, row.withDoubt(
                        "an earlier attempt most likely erased the requested customer: a customer created at "
                        + holder.createdAt() + " (Polar id " + holder.id() + ") now holds the external ID, which is"
                        + " not earlier than " + Eraser.CLOCK_SKEW_ALLOWANCE.toMinutes() + " min (the clock-skew"
                        + " allowance) before the first attempt in doubt was sent at " + row.firstLostAt + "; it was"
                        + " left alone. Check with the merchant whether that customer is the same person signing up"
                        + " again, and erase it by hand only if the erasure request covers it")));
            }
            case NOT_FOUND -> Optional.of(row.result(Erasure.Result.NOT_FOUND, 404, row.withDoubt(
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
            case UNAUTHORIZED, NO_ROUTE -> throw stops.stop(refusal(answer), row);
            case TRANSIENT -> {
                row.lastError = answer.detail();
                yield Optional.empty();
            }
            case ERASED, REJECTED, UNEXPECTED -> Optional.of(row.result(Erasure.Result.FAILED, answer.status(),
                    row.withDoubt("look-up: " + answer.detail() + " (unexpected answer, not retried)")));
        };
    }

    /**
     * The result of a row whose attempts are used up: FAILED, unless every request failed before reaching Polar
     * (the row provably did not land) or most recent rows failed too (Polar is down); both stop the run
     * resumably instead, leaving the row without a result.
     */
    Erasure gaveUp(Row row) {
        if (row.status == null && row.unreached > 0 && !row.mayHaveLanded()) {
            // Every request failed before it could reach Polar: the row provably did not land, and marking it
            // FAILED would burn it. It is sent on resume like an untouched row.
            throw stops.stop(new PolarUnavailableException("Cannot reach Polar at " + client.baseUrl() + ": "
                    + row.failures + " requests in a row failed before reaching it (last error: " + row.lastError
                    + "). Stopped; nothing was marked for the rows concerned. Re-run the same command to resume"
                    + " once the network is back."), row);
        }
        if (outage.record(true)) {
            // Most recent rows failed even after retries: Polar is down. Failing every remaining row
            // would burn the file; stopping lets the run resume later. This row stays unanswered.
            throw stops.stop(new PolarUnavailableException("Polar looks unavailable: more than half of the last "
                    + outage.size() + " rows failed even after " + maxAttempts + (maxAttempts == 1 ? " attempt" : " attempts")
                    + " each (last error: "
                    + row.lastError + "). Stopped; re-run the same command to resume once Polar answers again."),
                    row);
        }
        return row.result(Erasure.Result.FAILED, row.status,
                row.withDoubt("gave up after " + row.failedRequests() + "; last error: " + row.lastError));
    }

    private PolarRefusedException refusal(Answer answer) {
        return PolarRefusedException.of(answer, client.baseUrl(), client.tokenSource(), client.polarVersion());
    }

    /**
     * Polar answered 429: pause every worker for its Retry-After (60 s without one). A pause longer than
     * --max-pause, or a row that has been waiting on 429s for longer than that, stops the run resumably.
     */
    private void rateLimited(Answer answer, Row row) {
        Duration pause = answer.retryDelay(clock).orElse(Throttle.DEFAULT_PAUSE);
        Instant now = clock.instant();
        if (pause.compareTo(maxPause) > 0) {
            throw stops.stop(new PolarUnavailableException("Polar answered 429 (rate limit) asking to wait "
                    + pause.toSeconds() + " s (Retry-After), longer than --max-pause (" + maxPause.toMinutes()
                    + " min): the organization's API budget is blocked, often by other traffic of the"
                    + " organization. Stopped instead of sleeping; run the same command again after "
                    + now.plus(pause).truncatedTo(ChronoUnit.SECONDS) + " to resume."), row);
        }
        if (row.firstRateLimitedAt == null) {
            row.firstRateLimitedAt = now;
        } else if (Duration.between(row.firstRateLimitedAt, now).compareTo(maxPause) > 0) {
            throw stops.stop(new PolarUnavailableException("Polar kept answering 429 (rate limit) to the same row for"
                    + " more than --max-pause (" + maxPause.toMinutes() + " min): the organization's API budget"
                    + " is used up by other traffic. Stopped; run the same command again later to resume (a"
                    + " lower --rate-limit leaves more room for the merchant's own traffic)."), row);
        }
        throttle.rateLimited(Optional.of(pause));
        state.paused("paused " + pause.toSeconds() + " s for Polar's rate limit (429)", now.plus(pause));
    }
}
