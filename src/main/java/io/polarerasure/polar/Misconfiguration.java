package io.polarerasure.polar;

import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
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
 * resumably instead of burning rows. Thread-safe.
 */
final class Misconfiguration {

    /** Consecutive foreign requests that stop the run. */
    static final int THRESHOLD = 5;

    private int consecutive;
    private boolean proven;
    private boolean heardHttp;
    private String lastSeen = "";
    private boolean heardBeyondEdge;
    private int edgeAnswers;
    private final SortedSet<Integer> edgeStatuses = new TreeSet<>();

    /** An answer only Polar gives: the endpoint is Polar's. */
    synchronized void polarAnswered() {
        proven = true;
        consecutive = 0;
    }

    /** Any HTTP answer, Polar's or not: the endpoint speaks HTTP. */
    synchronized void httpAnswered() {
        heardHttp = true;
    }

    /** An HTTP answer that is not a 5xx (a 429 included): Polar's API itself answers, not only its edge. */
    synchronized void answeredBeyondEdge() {
        heardBeyondEdge = true;
    }

    /**
     * Whether every answer of this execution so far was a 5xx: until then a 5xx says nothing about the row and
     * must not use up its attempts.
     */
    synchronized boolean onlyEdgeAnswered() {
        return !heardBeyondEdge;
    }

    /**
     * Records a 5xx while {@link #onlyEdgeAnswered()}.
     *
     * @param status the 5xx status, e.g. 522
     * @return what was seen, e.g. {@code "HTTP 520 or 524"}, once {@link #THRESHOLD} such answers came with
     *         nothing else ever answered; empty before, and always once another answer has come
     */
    synchronized Optional<String> edgeOnly(int status) {
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
    synchronized boolean heardHttp() {
        return heardHttp;
    }

    /**
     * Whether the run has had an answer only Polar gives. Until then, foreign answers and unreached requests
     * do not use up a row's attempts: they say nothing about the row.
     */
    synchronized boolean proven() {
        return proven;
    }

    /**
     * Records a request that did not reach Polar or got an answer Polar never gives.
     *
     * @param seen what was seen, e.g. "HTTP 200 text/html" or "UnknownHostException: api.polar.shh"
     * @return what was seen if the breaker tripped with this request
     */
    synchronized Optional<String> foreign(String seen) {
        consecutive++;
        lastSeen = seen;
        return consecutive >= THRESHOLD ? Optional.of(lastSeen) : Optional.empty();
    }
}
