package io.polarerasure.polar;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Tells "we are not talking to Polar" from a few odd rows: requests that never reached a server (unknown host,
 * connection refused, TLS handshake failed) and answers Polar never gives on these routes (a 2xx other than 204
 * to a DELETE, 3xx, 400, 409, 410, a 404 without ResourceNotFound, 422) are counted; an answer only Polar gives
 * (204, ResourceNotFound, a customer, 429) clears the count and proves the endpoint. Trips at
 * {@link #THRESHOLD} such requests in a row, so that with the default four workers a run stops within eight
 * requests. Answers that may come from Polar in trouble (5xx, timeouts) neither count nor clear, except that until
 * anything has answered as an HTTP server at all, timeouts and non-HTTP replies count too: Polar's edge answers
 * even when its API is down, so silence from the first requests on means the run is not talking to Polar.
 * Likewise, until anything has given an answer that is not a 5xx, 5xx answers (an edge's 502, 503, 504, 52x or
 * 530: polar-api.md, "Answers") are counted apart and say nothing about the row: {@link #THRESHOLD} of them with
 * nothing else ever answered mean Polar is down or a proxy's backend does not answer, which stops the run
 * resumably instead of burning rows. Also checks that the answers come from the environment the run was started
 * against, and says which one answered. Stops the run through its {@link StopSwitch}. Thread-safe.
 */
final class Misconfiguration {

    /** Consecutive foreign requests that stop the run. */
    static final int THRESHOLD = 5;

    private final PolarClient client;
    private final StopSwitch stops;
    /** Which environment the last row-deciding answer came from, by its X-Polar-Sandbox header. */
    private final AtomicReference<String> answeredBy = new AtomicReference<>();
    private final String answeredBySandbox;
    private final String answeredByOther;

    private int consecutive;
    private boolean proven;
    private boolean heardHttp;
    private String lastSeen = "";
    private boolean heardBeyondEdge;
    private int edgeAnswers;
    private final SortedSet<Integer> edgeStatuses = new TreeSet<>();

    Misconfiguration(PolarClient client, StopSwitch stops) {
        this.client = Objects.requireNonNull(client, "client");
        this.stops = Objects.requireNonNull(stops, "stops");
        this.answeredBySandbox = answeredBy(client, true);
        this.answeredByOther = answeredBy(client, false);
    }

    /** See {@link Eraser#answeredBy()}. */
    Optional<String> answeredBy() {
        return Optional.ofNullable(answeredBy.get());
    }

    /** Stops the run when a row-deciding answer comes from the other environment than the one configured. */
    void checkEnvironment(Answer answer, Row row) {
        if (!client.environment().accepts(answer.sandbox())) {
            throw stops.stop(PolarRefusedException.wrongEnvironment(answer, client.environment(), client.baseUrl()),
                    row);
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

    /**
     * Records an HTTP answer. Returns true when it is a 5xx and every answer so far was one: it then says nothing
     * about the row (a DELETE it answered stays in doubt, so the row is looked up first on resume).
     *
     * @throws PolarUnavailableException the {@link #THRESHOLD}th such answer, with nothing else ever answered
     */
    boolean edgeAnswerOnly(Answer answer, Row row) {
        httpAnswered();
        if (!answer.inDoubt()) {
            answeredBeyondEdge();
            return false;
        }
        if (!onlyEdgeAnswered()) {
            return false;
        }
        row.lastError = answer.detail();
        Optional<String> seen = edgeOnly(answer.status());
        if (seen.isPresent()) {
            throw stops.stop(new PolarUnavailableException("Stopped: every answer so far was " + seen.get()
                    + " from the edge (" + THRESHOLD + " in a row from " + client.baseUrl() + "): Polar looks down,"
                    + " or --api-url points at a proxy whose backend does not answer. No row was marked; the same"
                    + " command resumes, rows whose request may have landed are looked up first."), row);
        }
        return true;
    }

    /**
     * Weighs an answer Polar never gives on this route. Returns whether it may use up one of the row's attempts:
     * only once an answer has shown the endpoint is Polar's.
     *
     * @throws PolarRefusedException when it is the {@link #THRESHOLD}th foreign request in a row
     */
    boolean foreignAnswerCounts(Answer answer, Row row) {
        boolean counts = proven();
        tripIfMisconfigured(answer.shape(), fixFor(answer), row);
        row.lastError = answer.detail();
        return counts;
    }

    /**
     * Weighs a request that got no HTTP answer ({@code row.plainError} says how). Returns whether it may use up one
     * of the row's attempts: not a request that never reached a server before the endpoint is proven Polar's, nor
     * silence or a non-HTTP reply before anything answered as HTTP (a DELETE written stays in doubt all the same).
     *
     * @throws PolarRefusedException when it is the {@link #THRESHOLD}th foreign request in a row
     */
    boolean transportFailureCounts(IOException e, Row row) {
        if (TransportFailure.unreached(e)) {
            row.unreached++;
            boolean counts = proven();
            if (!counts) {
                tripIfMisconfigured(TransportFailure.describe(e), TransportFailure.fixWhenUnreached(e), row);
            }
            return counts;
        }
        if (!heardHttp()) {
            // Not Polar in trouble but not Polar at all.
            tripIfMisconfigured(TransportFailure.describe(e), TransportFailure.fixBeforeAnyAnswer(row.plainError),
                    row);
            return false;
        }
        return true;
    }

    private void tripIfMisconfigured(String seen, String fix, Row row) {
        Optional<String> tripped = foreign(seen);
        if (tripped.isPresent()) {
            throw stops.stop(PolarRefusedException.misconfigured(tripped.get(), fix, client.baseUrl()), row);
        }
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

    /** An answer only Polar gives: the endpoint is Polar's. */
    synchronized void polarAnswered() {
        proven = true;
        consecutive = 0;
    }

    /** Any HTTP answer, Polar's or not: the endpoint speaks HTTP. */
    private synchronized void httpAnswered() {
        heardHttp = true;
    }

    /** An HTTP answer that is not a 5xx (a 429 included): Polar's API itself answers, not only its edge. */
    private synchronized void answeredBeyondEdge() {
        heardBeyondEdge = true;
    }

    /**
     * Whether every answer of this execution so far was a 5xx: until then a 5xx says nothing about the row and
     * must not use up its attempts.
     */
    private synchronized boolean onlyEdgeAnswered() {
        return !heardBeyondEdge;
    }

    /**
     * Records a 5xx while {@link #onlyEdgeAnswered()}.
     *
     * @param status the 5xx status, e.g. 522
     * @return what was seen, e.g. {@code "HTTP 520 or 524"}, once {@link #THRESHOLD} such answers came with
     *         nothing else ever answered; empty before, and always once another answer has come
     */
    private synchronized Optional<String> edgeOnly(int status) {
        if (heardBeyondEdge) {
            return Optional.empty();
        }
        edgeAnswers++;
        edgeStatuses.add(status);
        return edgeAnswers >= THRESHOLD ? Optional.of("HTTP " + edgeStatuses.stream().map(String::valueOf)
                .collect(Collectors.joining(" or "))) : Optional.empty();
    }

    /**
     * Whether any request of this execution has had an HTTP answer. Until then a timeout or a non-HTTP reply says
     * nothing about the row: it counts toward the breaker instead of using up the row's attempts.
     */
    private synchronized boolean heardHttp() {
        return heardHttp;
    }

    /**
     * Whether the run has had an answer only Polar gives. Until then, foreign answers and unreached requests
     * do not use up a row's attempts: they say nothing about the row.
     */
    private synchronized boolean proven() {
        return proven;
    }

    /**
     * Records a request that did not reach Polar or got an answer Polar never gives.
     *
     * @param seen what was seen, e.g. "HTTP 200 text/html" or "UnknownHostException: api.polar.shh"
     * @return what was seen if the breaker tripped with this request
     */
    private synchronized Optional<String> foreign(String seen) {
        consecutive++;
        lastSeen = seen;
        return consecutive >= THRESHOLD ? Optional.of(lastSeen) : Optional.empty();
    }
}
