package io.polarerasure.polar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class EraserTest {

    /** Log appenders a test attached, taken off after it so that no test sees another's events. */
    private final List<Runnable> detachAfterTest = new ArrayList<>();

    @AfterEach
    void detachAppenders() {
        detachAfterTest.forEach(Runnable::run);
    }

    private static final String TOKEN = PolarClientTest.TOKEN;
    private static final Rate FAST = Rate.parse("1000/s");

    @StartStop
    private final MockWebServer server = new MockWebServer();

    private final FakeTime time = new FakeTime();
    /** When each request left, in fake time since the start. */
    private final List<Duration> sent = new CopyOnWriteArrayList<>();

    @Test
    void erases_on_a_204_with_one_attempt() {
        enqueue(204, "");

        Erasure erasure = eraser(FAST, 6, 20).erase("cus_1");

        assertThat(erasure).isEqualTo(new Erasure(Erasure.Result.ERASED, 204, 1, ""));
    }

    @Test
    void a_permit_refused_between_attempts_stops_the_row_before_its_next_request_leaves() {
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "1").build());
        enqueue(204, "");
        Eraser eraser = eraser(FAST, 6, 20);
        List<Boolean> asked = new CopyOnWriteArrayList<>();
        eraser.requirePermit(rowMayHaveLanded -> {
            asked.add(rowMayHaveLanded);
            if (asked.size() > 2) {
                throw new StopRequestedException(rowMayHaveLanded);
            }
        });

        assertThatThrownBy(() -> eraser.erase("cus_1")).isInstanceOf(StopRequestedException.class);

        assertThat(server.getRequestCount()).as("requests sent").isEqualTo(1);
        // Before each attempt, and again once its SENDING mark is written, just before the request leaves.
        assertThat(asked).as("the permit's questions").containsExactly(false, true, false);
    }

    @Test
    void a_row_refused_after_its_turn_holds_up_no_later_request() throws Exception {
        for (int i = 0; i < 3; i++) {
            enqueue(204, "");
        }
        Eraser eraser = eraser(Rate.parse("3/s"), 6, 20);
        AtomicReference<Thread> refused = new AtomicReference<>();
        eraser.requirePermit(rowMayHaveLanded -> {
            if (Thread.currentThread() == refused.get()) {
                throw new StopRequestedException(rowMayHaveLanded);
            }
        });
        ExecutorService worker = Executors.newSingleThreadExecutor(task -> {
            refused.set(new Thread(task));
            return refused.get();
        });
        try {
            assertThatThrownBy(() -> worker.submit(() -> eraser.erase("cus_0")).get())
                    .hasCauseInstanceOf(StopRequestedException.class);
        } finally {
            worker.shutdown();
        }
        for (int i = 1; i < 4; i++) {
            assertThat(eraser.erase("cus_" + i).result()).isEqualTo(Erasure.Result.ERASED);
        }

        assertThat(sent).as("the fourth turn a window after the refused one, not a minute later").hasSize(3)
                .last().isEqualTo(Duration.ofMillis(1_001));
    }

    @Test
    void retries_a_429_then_erases_without_doubt() {
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "1").build());
        enqueue(204, "");

        Erasure erasure = eraser(FAST, 6, 20).erase("cus_1");

        assertThat(erasure).isEqualTo(new Erasure(Erasure.Result.ERASED, 204, 2, ""));
    }

    @Test
    void after_a_503_looks_up_and_erases_the_customer_created_before_by_its_id_and_says_so() throws Exception {
        enqueue(503, "Service Unavailable");
        enqueue(200, customer(ORIGINAL, "cus_1", "2025-01-01T00:00:00.123456Z"));
        enqueue(204, "");

        Erasure erasure = eraser(FAST, 6, 20).erase("cus_1");

        assertThat(erasure.result()).isEqualTo(Erasure.Result.ERASED);
        assertThat(erasure.attempts()).as("DELETEs only, the look-up is not an attempt").isEqualTo(2);
        assertThat(erasure.inDoubt()).isTrue();
        assertThat(erasure.detail()).contains("HTTP 503").contains("1 look-up")
                .contains("did not take effect").contains(ORIGINAL);
        assertThat(server.takeRequest().getTarget()).isEqualTo("/v1/customers/external/cus_1?anonymize=true");
        assertThat(server.takeRequest().getMethod()).isEqualTo("GET");
        var byId = server.takeRequest();
        assertThat(byId.getMethod()).isEqualTo("DELETE");
        assertThat(byId.getTarget()).isEqualTo("/v1/customers/" + ORIGINAL + "?anonymize=true");
        assertThat(time.sleeps()).as("one backoff, after the 503; none between the look-up and the DELETE")
                .filteredOn(wait -> wait.toMillis() > 10).hasSize(1);
    }

    @Test
    void a_customer_created_after_the_lost_attempt_is_left_alone_as_review() {
        enqueue(504, "<html>gateway timeout</html>");
        enqueue(200, customer(NEWCOMER, "cus_1", FakeTime.START.plusSeconds(1).toString()));

        Erasure erasure = eraser(FAST, 6, 20).erase("cus_1");

        assertThat(erasure.result()).isEqualTo(Erasure.Result.REVIEW);
        assertThat(erasure.httpStatus()).isEqualTo(200);
        assertThat(erasure.attempts()).isEqualTo(1);
        assertThat(erasure.detail()).contains("most likely erased the requested customer").contains(NEWCOMER)
                .contains("left alone").contains("HTTP 504");
        assertThat(server.getRequestCount()).as("nothing sent after the look-up").isEqualTo(2);
    }

    @Test
    void a_customer_created_within_the_clock_skew_allowance_before_the_attempt_is_review_too() {
        enqueue(502, "");
        enqueue(200, customer(NEWCOMER, "cus_1",
                FakeTime.START.minus(Eraser.CLOCK_SKEW_ALLOWANCE).plusSeconds(1).toString()));

        assertThat(eraser(FAST, 6, 20).erase("cus_1").result()).isEqualTo(Erasure.Result.REVIEW);
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void a_404_to_the_delete_by_id_means_the_lost_attempt_did_land() {
        enqueue(500, "Internal Server Error");
        enqueue(200, customer(ORIGINAL, "cus_1", "2025-01-01T00:00:00Z"));
        enqueue(404, PolarClientTest.NOT_FOUND);

        Erasure erasure = eraser(FAST, 6, 20).erase("cus_1");

        assertThat(erasure.result()).isEqualTo(Erasure.Result.NOT_FOUND);
        assertThat(erasure.attempts()).isEqualTo(2);
        assertThat(erasure.detail()).contains("already gone when erased by its Polar id");
    }

    @Test
    void a_403_on_the_look_up_falls_back_to_sending_by_external_id_noted_per_row_and_logged_once() {
        ListAppender<ILoggingEvent> logs = capture(Eraser.class);
        Eraser eraser = eraser(FAST, 6, 20);
        enqueue(503, "");
        enqueue(403, "{\"error\":\"insufficient_scope\",\"error_description\":\"customers:read\"}");
        enqueue(204, "");
        enqueue(503, "");
        enqueue(204, "");

        Erasure first = eraser.erase("cus_1");
        Erasure second = eraser.erase("cus_2");

        assertThat(List.of(first, second)).allSatisfy(erasure -> {
            assertThat(erasure.result()).isEqualTo(Erasure.Result.ERASED);
            assertThat(erasure.attempts()).isEqualTo(2);
            assertThat(erasure.detail()).contains("look-up was refused (403)");
        });
        assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(1);
        assertThat(server.getRequestCount()).as("the second row skips the look-up the token cannot make")
                .isEqualTo(5);
    }

    @Test
    void a_row_of_an_interrupted_execution_is_looked_up_first_and_every_delete_is_numbered_across_executions() {
        enqueue(200, customer(ORIGINAL, "cus_1", "2026-05-31T23:00:00Z"));
        enqueue(204, "");
        List<Integer> numbers = new CopyOnWriteArrayList<>();

        Erasure erasure = eraser(FAST, 6, 20).erase("cus_1",
                EarlierAttempts.recorded(2, FakeTime.START.minusSeconds(30)), (attempt, at) -> numbers.add(attempt));

        assertThat(erasure.result()).isEqualTo(Erasure.Result.ERASED);
        assertThat(erasure.attempts()).isEqualTo(3);
        assertThat(numbers).containsExactly(3);
        assertThat(erasure.detail()).contains("sent 2 attempts");
    }

    @Test
    void a_row_whose_journal_was_lost_is_erased_only_if_created_before_the_lower_bound() {
        enqueue(200, customer(ORIGINAL, "cus_1", "2026-05-31T23:00:00Z"));
        enqueue(204, "");
        enqueue(200, customer(NEWCOMER, "cus_2", "2026-06-01T01:59:00Z"));
        Eraser eraser = eraser(FAST, 6, 20);
        EarlierAttempts hedged = EarlierAttempts.unknown(FakeTime.START.minusSeconds(10));

        Erasure old = eraser.erase("cus_1", hedged, AttemptLog.NONE);
        Erasure recent = eraser.erase("cus_2", hedged, AttemptLog.NONE);

        assertThat(old.result()).isEqualTo(Erasure.Result.ERASED);
        assertThat(old.attempts()).isEqualTo(1);
        assertThat(old.detail()).contains("how many attempts it sent is unknown");
        assertThat(recent.result()).as("created 50 s before the bound: within the skew allowance")
                .isEqualTo(Erasure.Result.REVIEW);
        assertThat(recent.attempts()).isZero();
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void retries_a_dropped_connection_and_a_404_to_the_look_up_ends_the_row() {
        server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build());
        enqueue(404, PolarClientTest.NOT_FOUND);

        Erasure erasure = eraser(FAST, 6, 20).erase("cus_1");

        assertThat(erasure.result()).isEqualTo(Erasure.Result.NOT_FOUND);
        assertThat(erasure.attempts()).isEqualTo(1);
        assertThat(erasure.detail()).contains("look-up found no live customer").contains("nothing more was sent");
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void a_timeout_then_404_is_not_found_saying_the_lost_answer_may_have_erased() {
        server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
        enqueue(404, PolarClientTest.NOT_FOUND);

        Erasure erasure = eraser(FAST, 6, 20).erase("cus_1");

        assertThat(erasure.result()).isEqualTo(Erasure.Result.NOT_FOUND);
        assertThat(erasure.httpStatus()).isEqualTo(404);
        assertThat(erasure.attempts()).as("one DELETE, then a look-up").isEqualTo(1);
        assertThat(erasure.detail()).contains("earlier attempt's answer was lost").contains("SocketTimeoutException")
                .contains("may have erased the customer");
    }

    @Test
    void a_404_after_an_interrupted_earlier_run_says_that_run_may_have_erased() {
        enqueue(404, PolarClientTest.NOT_FOUND);

        Erasure erasure = eraser(FAST, 6, 20).erase("cus_1", EarlierAttempts.recorded(1, java.time.Instant.EPOCH), AttemptLog.NONE);

        assertThat(erasure.result()).isEqualTo(Erasure.Result.NOT_FOUND);
        assertThat(erasure.detail()).contains("interrupted execution of this run sent 1 attempt")
                .contains("may have erased the customer");
        assertThat(erasure.attempts()).isEqualTo(1);
    }

    @Test
    void a_retry_file_row_in_doubt_says_its_doubt_comes_from_the_original_report_and_since_when() {
        enqueue(404, PolarClientTest.NOT_FOUND);
        enqueue(404, PolarClientTest.NOT_FOUND);
        Eraser eraser = eraser(FAST, 6, 20);
        java.time.Instant since = java.time.Instant.parse("2026-05-31T22:00:00Z");

        Erasure fromFile = eraser.erase("cus_1",
                EarlierAttempts.NONE.withOriginalDoubt("requests.audit.csv", since), AttemptLog.NONE);
        Erasure both = eraser.erase("cus_2", EarlierAttempts.recorded(1, FakeTime.START.minusSeconds(30))
                .withOriginalDoubt("", since), AttemptLog.NONE);

        assertThat(fromFile.result()).isEqualTo(Erasure.Result.NOT_FOUND);
        assertThat(fromFile.inDoubt()).isTrue();
        assertThat(fromFile.attempts()).isZero();
        assertThat(fromFile.detail()).contains("the original run's report requests.audit.csv has this row in doubt"
                + " since 2026-05-31T22:00:00Z (in_doubt_since in the retry file)")
                .doesNotContain("interrupted execution", "journal was lost");
        assertThat(both.attempts()).isEqualTo(1);
        assertThat(both.detail()).contains("interrupted execution of this run sent 1 attempt",
                "the original run's report has this row in doubt since 2026-05-31T22:00:00Z");
        assertThat(server.getRequestCount()).as("a look-up each, no DELETE").isEqualTo(2);
    }

    @Test
    void a_silent_endpoint_from_the_start_stops_as_misconfigured_and_leaves_the_row_in_doubt_not_failed() {
        for (int i = 0; i < 10; i++) {
            server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
        }

        PolarRefusedException refused = catchThrowableOfType(PolarRefusedException.class,
                () -> eraser(FAST, 6, 20).erase("cus_1"));

        assertThat(refused).as("no FAILED row, a stop").isNotNull();
        assertThat(refused.getMessage()).contains("nothing at --api-url has answered like an HTTP server yet")
                .contains("no answer within 250 ms").contains("check --api-url");
        assertThat(refused.rowMayHaveLanded()).as("the DELETE was written: in doubt, not untouched").isTrue();
        assertThat(server.getRequestCount()).as("one DELETE, then look-ups, up to the breaker")
                .isEqualTo(Misconfiguration.THRESHOLD);
    }

    @Test
    void a_reply_that_is_not_http_from_the_start_stops_as_misconfigured_within_the_breaker() throws Exception {
        try (java.net.ServerSocket foreign = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            List<Integer> connections = new CopyOnWriteArrayList<>();
            Thread answering = new Thread(() -> {
                while (!foreign.isClosed()) {
                    try (java.net.Socket socket = foreign.accept()) {
                        connections.add(1);
                        socket.getInputStream().read(new byte[4096]);
                        socket.getOutputStream().write("-ERR unknown command 'DELETE'\r\n".getBytes());
                    } catch (java.io.IOException closed) {
                        return;
                    }
                }
            });
            answering.start();
            HttpUrl base = HttpUrl.get("http://127.0.0.1:" + foreign.getLocalPort() + "/");
            PolarSettings settings = TestSettings.of(base, FAST, 6, 20);
            Eraser eraser = new Eraser(new PolarClient(PolarClient.httpClient(settings), base, TOKEN, "ua"), settings,
                    time, time, new Random(1));

            PolarRefusedException refused = catchThrowableOfType(PolarRefusedException.class,
                    () -> eraser.erase("cus_1"));

            assertThat(refused).as("a stop, not a FAILED row").isNotNull();
            assertThat(refused.getMessage()).contains("a reply that is not HTTP").contains("check --api-url");
            assertThat(refused.rowMayHaveLanded()).isTrue();
            assertThat(connections).as("requests before the stop").hasSizeLessThanOrEqualTo(
                    Misconfiguration.THRESHOLD + 1);
        }
    }

    @Test
    void only_edge_5xx_from_the_start_spend_no_attempts_and_stop_resumably_leaving_the_row_in_doubt() {
        for (int i = 0; i < 10; i++) {
            enqueue(i % 2 == 0 ? 522 : 502, "<html>origin unreachable</html>");
        }

        PolarUnavailableException down = catchThrowableOfType(PolarUnavailableException.class,
                () -> eraser(FAST, 2, 20).erase("cus_1"));

        assertThat(down).as("a resumable stop, not a FAILED row after 2 attempts").isNotNull();
        assertThat(down.getMessage()).contains("every answer so far was HTTP 502 or 522 from the edge")
                .contains("Polar looks down").contains("proxy whose backend does not answer")
                .contains("No row was marked").contains("looked up first").doesNotContain(TOKEN);
        assertThat(down.rowMayHaveLanded()).as("the DELETE got a 5xx: in doubt, not untouched").isTrue();
        assertThat(server.getRequestCount()).as("one DELETE, then look-ups, up to the breaker")
                .isEqualTo(Misconfiguration.THRESHOLD);
    }

    @Test
    void after_one_204_edge_5xx_use_up_attempts_as_before() {
        enqueue(204, "");
        for (int i = 0; i < 6; i++) {
            enqueue(522, "<html>origin unreachable</html>");
        }
        Eraser eraser = eraser(FAST, 2, 20);
        eraser.erase("cus_1");

        Erasure second = eraser.erase("cus_2");

        assertThat(second.result()).isEqualTo(Erasure.Result.FAILED);
        assertThat(second.httpStatus()).isEqualTo(522);
        assertThat(second.inDoubt()).isTrue();
        assertThat(second.detail()).contains("gave up after 1 DELETE and 1 look-up");
        assertThat(server.getRequestCount()).as("the 204, then one DELETE and one look-up").isEqualTo(3);
    }

    @Test
    void once_an_http_answer_came_timeouts_use_up_attempts_and_the_detail_counts_each_kind_of_request() {
        enqueue(204, "");
        server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
        server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
        List<String> waits = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Eraser> self = new java.util.concurrent.atomic.AtomicReference<>();
        PolarSettings settings = TestSettings.of(server.url("/"), FAST, 2, 20);
        Eraser eraser = new Eraser(client(settings), settings, time, duration -> {
            self.get().sendingState().current().ifPresent(wait -> waits.add(wait.description()));
            time.sleep(duration);
        }, new Random(1));
        self.set(eraser);
        eraser.erase("cus_0");

        Erasure erasure = eraser.erase("cus_1");

        assertThat(erasure.result()).isEqualTo(Erasure.Result.FAILED);
        assertThat(erasure.attempts()).isEqualTo(1);
        assertThat(erasure.detail()).startsWith("gave up after 1 DELETE and 1 look-up without a conclusive answer;"
                + " last error: SocketTimeoutException");
        assertThat(waits).contains("retrying a row (no answer within 250 ms), attempt 2 of 2")
                .noneMatch(wait -> wait.contains("null"));
    }

    @Test
    void a_plain_404_is_not_found_without_doubt() {
        enqueue(404, PolarClientTest.NOT_FOUND);

        assertThat(eraser(FAST, 6, 20).erase("cus_1"))
                .isEqualTo(new Erasure(Erasure.Result.NOT_FOUND, 404, 1, ""));
    }

    @Test
    void gives_up_after_max_attempts_with_the_last_error_and_growing_jittered_waits() {
        enqueue(204, ""); // Polar's API answered once: from now on a 5xx uses up attempts
        enqueue(503, "first");
        enqueue(502, "second"); // the look-ups after a 503 fail too
        enqueue(503, "Service Unavailable");
        Eraser eraser = eraser(FAST, 3, 20);
        eraser.erase("cus_0");

        Erasure erasure = eraser.erase("cus_1");

        assertThat(erasure.result()).isEqualTo(Erasure.Result.FAILED);
        assertThat(erasure.httpStatus()).isEqualTo(503);
        assertThat(erasure.attempts()).isEqualTo(1);
        assertThat(erasure.detail()).startsWith("gave up after 1 DELETE and 2 look-ups without a conclusive answer; last error: HTTP 503: Service"
                + " Unavailable; an earlier attempt's answer was lost (HTTP 503: first)");
        List<Duration> backoff = time.sleeps().stream().filter(d -> d.compareTo(Duration.ofMillis(100)) > 0).toList();
        assertThat(backoff).hasSize(2);
        assertThat(backoff.get(0)).isBetween(Duration.ofMillis(250), Duration.ofMillis(500));
        assertThat(backoff.get(1)).isBetween(Duration.ofMillis(500), Duration.ofMillis(1000));
        assertThat(server.getRequestCount()).isEqualTo(4);
    }

    @Test
    void a_closed_port_from_the_start_stops_as_misconfigured_within_five_requests_and_marks_nothing()
            throws Exception {
        MockWebServer closed = new MockWebServer();
        closed.start();
        HttpUrl nobody = closed.url("/");
        closed.close();
        PolarSettings settings = TestSettings.of(nobody, FAST, 2, 20);
        List<Boolean> asked = new CopyOnWriteArrayList<>();
        Eraser eraser = new Eraser(new PolarClient(PolarClient.httpClient(settings), nobody, TOKEN, "ua"), settings,
                time, time, new Random(1));
        eraser.requirePermit(asked::add);

        PolarRefusedException refused = catchThrowableOfType(PolarRefusedException.class, () -> eraser.erase("cus_1"));

        assertThat(refused.getMessage()).contains("ConnectException").contains("nothing accepts connections")
                .contains("--api-url");
        assertThat(refused.rowMayHaveLanded()).as("nothing reached a server").isFalse();
        // The permit is asked before a row's turn and again just before its DELETE leaves.
        assertThat(asked).as("permits asked, --max-attempts 2 notwithstanding")
                .hasSize(2 * Misconfiguration.THRESHOLD);
    }

    @Test
    void a_row_that_never_reached_polar_mid_run_stops_the_run_resumably_instead_of_failing() throws Exception {
        MockWebServer polar = new MockWebServer();
        polar.start();
        // Not pooled: the next request must open a connection, which the closed port refuses.
        polar.enqueue(new MockResponse.Builder().code(204).addHeader("Connection", "close").build());
        HttpUrl base = polar.url("/");
        PolarSettings settings = TestSettings.of(base, FAST, 2, 20);
        Eraser eraser = new Eraser(new PolarClient(PolarClient.httpClient(settings), base, TOKEN, "ua"), settings,
                time, time, new Random(1));
        assertThat(eraser.erase("cus_1").result()).isEqualTo(Erasure.Result.ERASED);
        polar.close(); // the port closes under a running job

        PolarUnavailableException down = catchThrowableOfType(PolarUnavailableException.class,
                () -> eraser.erase("cus_2"));

        assertThat(down.getMessage()).contains("Cannot reach Polar").contains("ConnectException").contains("resume");
        assertThat(down.rowMayHaveLanded()).isFalse();
    }

    @Test
    void a_refused_connection_sends_nothing_so_it_is_no_attempt() {
        enqueue(204, ""); // Polar has answered: a refused connection now counts as a failed request
        enqueue(204, "");
        PolarSettings settings = TestSettings.of(server.url("/"), FAST, 6, 20);
        java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger();
        OkHttpClient http = PolarClient.httpClient(settings).newBuilder()
                .addInterceptor(chain -> {
                    // What a load balancer refusing one connection looks like to the client: nothing leaves.
                    if (chain.request().url().encodedPath().endsWith("cus_2") && refusals.getAndIncrement() == 0) {
                        throw new java.net.ConnectException("Connection refused");
                    }
                    return chain.proceed(chain.request());
                })
                .build();
        Eraser eraser = new Eraser(new PolarClient(http, server.url("/"), TOKEN, "ua"), settings, time, time,
                new Random(1));
        List<Integer> marked = new CopyOnWriteArrayList<>();
        eraser.erase("cus_1");

        List<Integer> unsent = new CopyOnWriteArrayList<>();
        Erasure erasure = eraser.erase("cus_2", EarlierAttempts.NONE, new AttemptLog() {
            @Override
            public void sending(int attempt, java.time.Instant at) {
                marked.add(attempt);
            }

            @Override
            public void unsent(int attempt) {
                unsent.add(attempt);
            }
        });

        assertThat(erasure.result()).isEqualTo(Erasure.Result.ERASED);
        assertThat(erasure.attempts()).as("DELETEs that left").isEqualTo(1);
        assertThat(marked).as("the refused one was marked before it could fail, and its number used again")
                .containsExactly(1, 1);
        assertThat(unsent).as("so that a stop withdraws only the DELETEs that left").containsExactly(1);
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void a_failure_after_a_lost_answer_says_the_customer_may_be_erased() {
        enqueue(204, ""); // Polar has answered: a dropped connection now uses up an attempt
        server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build());
        enqueue(503, "down");
        Eraser eraser = eraser(FAST, 2, 20);
        eraser.erase("cus_0");

        Erasure erasure = eraser.erase("cus_1");

        assertThat(erasure.result()).isEqualTo(Erasure.Result.FAILED);
        assertThat(erasure.detail()).startsWith("gave up after 1 DELETE and 1 look-up without a conclusive answer;"
                + " last error: HTTP 503: down")
                .contains("may have erased the customer");
    }

    @Test
    void a_422_is_rejected_with_polars_message_and_not_retried_once_polar_has_answered() {
        Eraser eraser = eraser(FAST, 6, 20);
        enqueue(204, "");
        eraser.erase("cus_0");
        enqueue(422, "{\"error\":\"RequestValidationError\",\"detail\":[{\"type\":\"t\",\"loc\":[\"path\"],"
                + "\"msg\":\"Value error, bad id\",\"input\":\"x\"}]}");

        assertThat(eraser.erase("cus_1"))
                .isEqualTo(new Erasure(Erasure.Result.REJECTED, 422, 1, "HTTP 422: Value error, bad id"));
    }

    @Test
    void an_unexpected_status_fails_the_row_without_retrying_once_polar_has_answered() {
        Eraser eraser = eraser(FAST, 6, 20);
        enqueue(404, PolarClientTest.NOT_FOUND);
        eraser.erase("cus_0");
        enqueue(409, "{\"detail\":\"conflict\"}");

        Erasure erasure = eraser.erase("cus_1");

        assertThat(erasure.result()).isEqualTo(Erasure.Result.FAILED);
        assertThat(erasure.httpStatus()).isEqualTo(409);
        assertThat(erasure.attempts()).isEqualTo(1);
        assertThat(erasure.detail()).contains("HTTP 409").contains("not retried");
    }

    @Test
    void a_401_stops_the_run_and_nothing_further_is_sent() {
        enqueue(401, "{\"error\":\"invalid_token\",\"error_description\":\"The access token is revoked\"}");
        enqueue(204, "");
        Eraser eraser = eraser(FAST, 6, 20);

        PolarRefusedException refused = catchThrowableOfType(PolarRefusedException.class,
                () -> eraser.erase("cus_1"));

        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.getMessage()).contains("HTTP 401").contains("POLAR_ACCESS_TOKEN").doesNotContain(TOKEN)
                .doesNotContain("cus_1");
        assertThat(refused.rowMayHaveLanded()).isFalse();
        assertThatThrownBy(() -> eraser.erase("cus_2")).isSameAs(refused);
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void a_403_says_the_token_lacks_the_scope() {
        enqueue(403, "{\"error\":\"insufficient_scope\",\"error_description\":\"The request requires higher"
                + " privileges than provided by the access token.\"}");

        assertThatThrownBy(() -> eraser(FAST, 6, 20).erase("cus_1"))
                .isInstanceOf(PolarRefusedException.class).hasMessageContaining("HTTP 403")
                .hasMessageContaining("customers:write");
    }

    @Test
    void a_404_without_polars_error_is_a_misconfigured_endpoint() {
        enqueue(404, PolarClientTest.NO_ROUTE);

        assertThatThrownBy(() -> eraser(FAST, 6, 20).erase("cus_1"))
                .isInstanceOf(PolarRefusedException.class).hasMessageContaining("HTTP 404")
                .hasMessageContaining("--api-url").hasMessageContaining("https://api.polar.sh");
    }

    @Test
    void a_refusal_after_a_lost_answer_marks_that_row_as_in_doubt() {
        server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build());
        enqueue(401, "{\"error\":\"invalid_token\"}");
        Eraser eraser = eraser(FAST, 6, 20);

        PolarRefusedException inDoubt = catchThrowableOfType(PolarRefusedException.class,
                () -> eraser.erase("cus_1"));
        PolarRefusedException untouched = catchThrowableOfType(PolarRefusedException.class,
                () -> eraser.erase("cus_2"));

        assertThat(inDoubt.rowMayHaveLanded()).isTrue();
        assertThat(untouched.rowMayHaveLanded()).isFalse();
        assertThat(inDoubt.getCause()).isSameAs(untouched);
        assertThat(inDoubt.getMessage()).isEqualTo(untouched.getMessage());
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void refuses_an_unsendable_id_without_sending_or_taking_a_permit() {
        Eraser eraser = eraser(Rate.parse("1/min"), 6, 20);

        assertThatThrownBy(() -> eraser.erase("a/b")).isInstanceOf(IllegalArgumentException.class);
        enqueue(204, "");
        eraser.erase("cus_1");

        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(sent).containsExactly(Duration.ZERO);
    }

    @Test
    void every_attempt_takes_a_permit_retries_included() {
        enqueue(503, "down");
        enqueue(404, PolarClientTest.NOT_FOUND); // the look-up after the 503
        enqueue(204, "");
        Eraser eraser = eraser(Rate.parse("1/s"), 6, 20);

        eraser.erase("cus_1");
        eraser.erase("cus_2");

        assertThat(sent).hasSize(3);
        assertThat(sent.get(1).minus(sent.get(0))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(sent.get(2).minus(sent.get(1))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void a_429_pauses_every_worker_until_its_retry_after_has_passed() throws Exception {
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "30").build());
        enqueue(204, "");
        enqueue(204, "");
        CountDownLatch firstWorkerWaiting = new CountDownLatch(1);
        CountDownLatch releaseFirstWorker = new CountDownLatch(1);
        // The worker that got the 429 is held in its backoff while the second worker starts.
        Sleeper sleeper = duration -> {
            if (Thread.currentThread().getName().equals("worker-1") && firstWorkerWaiting.getCount() > 0) {
                firstWorkerWaiting.countDown();
                releaseFirstWorker.await(5, TimeUnit.SECONDS);
            }
            time.sleep(duration);
        };
        PolarSettings settings = TestSettings.of(server.url("/"), FAST, 6, 20);
        Eraser eraser = new Eraser(client(settings), settings, time, sleeper, new Random(1));

        CompletableFuture<Erasure> first = CompletableFuture.supplyAsync(() -> eraser.erase("cus_1"),
                task -> new Thread(task, "worker-1").start());
        assertThat(firstWorkerWaiting.await(5, TimeUnit.SECONDS)).isTrue();
        Erasure second = eraser.erase("cus_2");
        releaseFirstWorker.countDown();

        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(new Erasure(Erasure.Result.ERASED, 204, 2, ""));
        assertThat(second).isEqualTo(new Erasure(Erasure.Result.ERASED, 204, 1, ""));
        assertThat(sent).hasSize(3);
        assertThat(sent.get(0)).isEqualTo(Duration.ZERO);
        assertThat(sent.get(1)).as("the second worker's request").isGreaterThanOrEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void a_429_pause_stays_the_sending_state_while_rows_sent_before_it_settle() throws Exception {
        CountDownLatch answerSecondRow = new CountDownLatch(1);
        server.setDispatcher(new mockwebserver3.Dispatcher() {
            private final java.util.concurrent.atomic.AtomicBoolean limited = new java.util.concurrent.atomic.AtomicBoolean();

            @Override
            public MockResponse dispatch(mockwebserver3.RecordedRequest request) throws InterruptedException {
                if (request.getTarget().contains("cus_2")) {
                    answerSecondRow.await(5, TimeUnit.SECONDS);
                    return new MockResponse.Builder().code(204).build();
                }
                return limited.getAndSet(true) ? new MockResponse.Builder().code(204).build()
                        : new MockResponse.Builder().code(429).addHeader("Retry-After", "30").build();
            }
        });
        java.util.concurrent.atomic.AtomicReference<Eraser> self = new java.util.concurrent.atomic.AtomicReference<>();
        List<String> duringThePause = new CopyOnWriteArrayList<>();
        CompletableFuture<Erasure> second = new CompletableFuture<>();
        // The second row's answer waits for the first row's 429, which a loaded machine may take a while to reach.
        PolarSettings settings = TestSettings.of(server.url("/"), FAST, 6, 20, Duration.ofSeconds(5));
        Eraser eraser = new Eraser(client(settings), settings, time, duration -> {
            if (duration.toSeconds() >= 29 && duringThePause.isEmpty()) {
                // The 429's pause began; now the row sent before it gets its 204, as with many workers in flight.
                answerSecondRow.countDown();
                assertThat(second.orTimeout(5, TimeUnit.SECONDS).join().result()).isEqualTo(Erasure.Result.ERASED);
                duringThePause.add(self.get().sendingState().current().map(SendingState.Waiting::description)
                        .orElse("sending"));
            }
            time.sleep(duration);
        }, new Random(1));
        self.set(eraser);
        new Thread(() -> second.complete(eraser.erase("cus_2")), "worker-2").start();
        org.awaitility.Awaitility.await().until(() -> server.getRequestCount() == 1);

        Erasure first = eraser.erase("cus_1");

        assertThat(first).isEqualTo(new Erasure(Erasure.Result.ERASED, 204, 2, ""));
        assertThat(duringThePause).containsExactly("paused 30 s for Polar's rate limit (429)");
        assertThat(eraser.sendingState().current()).as("the pause is over").isEmpty();
    }

    @Test
    void a_stop_request_wakes_a_worker_waiting_out_a_429_pause_without_sending_again() throws Exception {
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "60").build());
        CountDownLatch waiting = new CountDownLatch(1);
        // A real wait: only an interrupt ends it, as only stopSending may.
        Sleeper blocking = duration -> {
            waiting.countDown();
            new CountDownLatch(1).await();
        };
        PolarSettings settings = TestSettings.of(server.url("/"), FAST, 6, 20);
        Eraser eraser = new Eraser(client(settings), settings, time, blocking, new Random(1));
        CompletableFuture<Erasure> row = CompletableFuture.supplyAsync(() -> eraser.erase("cus_1"),
                task -> new Thread(task, "worker-1").start());
        assertThat(waiting.await(5, TimeUnit.SECONDS)).isTrue();

        eraser.stopSending();

        Throwable stopped = catchThrowableOfType(ExecutionException.class,
                () -> row.get(5, TimeUnit.SECONDS)).getCause();
        assertThat(stopped).isInstanceOf(StopRequestedException.class);
        assertThat(((StopRequestedException) stopped).rowMayHaveLanded()).as("a 429 changed nothing").isFalse();
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void after_a_stop_request_nothing_is_sent_and_a_row_from_an_interrupted_run_stays_in_doubt() {
        Eraser eraser = eraser(FAST, 6, 20);
        eraser.stopSending();

        assertThatThrownBy(() -> eraser.erase("cus_1")).isInstanceOfSatisfying(StopRequestedException.class,
                e -> assertThat(e.rowMayHaveLanded()).isFalse());
        assertThatThrownBy(() -> eraser.erase("cus_2", EarlierAttempts.recorded(1, java.time.Instant.EPOCH), AttemptLog.NONE)).isInstanceOfSatisfying(StopRequestedException.class,
                e -> assertThat(e.rowMayHaveLanded()).isTrue());
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void repeated_429s_after_full_pauses_halve_the_rate_and_log_each_change_once() {
        ListAppender<ILoggingEvent> logs = capture(Throttle.class);
        Eraser eraser = eraser(Rate.parse("60/min"), 6, 20);
        // The budget used up: the first request after each pause meets a 429 again.
        for (int pause = 0; pause < 4; pause++) {
            server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "2").build());
        }
        enqueue(204, "");

        assertThat(eraser.erase("cus_0")).as("a 429 is no failed attempt")
                .isEqualTo(new Erasure(Erasure.Result.ERASED, 204, 5, ""));

        List<String> lowered = logs.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lowered).first().isEqualTo("Polar answered 429 again after a full pause, before any other"
                + " answer: lowering the request rate from 60/min to 30/min");
        assertThat(lowered).doesNotHaveDuplicates().hasSize(3);
        assertThat(eraser.currentRate()).isEqualTo(Rate.parse("7/min"));
    }

    @Test
    void a_429_among_other_answers_pauses_without_lowering_the_rate() {
        ListAppender<ILoggingEvent> logs = capture(Throttle.class);
        Eraser eraser = eraser(Rate.parse("60/min"), 6, 20);
        for (int row = 0; row < 5; row++) {
            server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "2").build());
            enqueue(204, "");
        }

        for (int row = 0; row < 5; row++) {
            assertThat(eraser.erase("cus_" + row)).as("a 429 is no failed attempt")
                    .isEqualTo(new Erasure(Erasure.Result.ERASED, 204, 2, ""));
        }

        assertThat(logs.list.stream().filter(e -> e.getLevel() == Level.WARN)).isEmpty();
        assertThat(eraser.currentRate()).isEqualTo(Rate.parse("60/min"));
    }

    @Test
    void stops_as_unavailable_when_most_recent_rows_failed_and_sends_nothing_more() {
        enqueue(204, ""); // Polar's API answered once: from now on 5xx use up attempts and fill the window
        for (int i = 0; i < 6; i++) {
            enqueue(503, "");
        }
        enqueue(204, "");
        Eraser eraser = eraser(FAST, 2, 4);
        eraser.erase("cus_0");

        Erasure first = eraser.erase("cus_1");
        Erasure second = eraser.erase("cus_2");
        PolarUnavailableException down = catchThrowableOfType(PolarUnavailableException.class,
                () -> eraser.erase("cus_3"));

        assertThat(first.result()).isEqualTo(Erasure.Result.FAILED);
        assertThat(second.result()).isEqualTo(Erasure.Result.FAILED);
        assertThat(down.getMessage()).contains("last 4 rows").contains("HTTP 503").contains("resume")
                .doesNotContain(TOKEN);
        assertThat(down.rowMayHaveLanded()).as("a 503 may come after Polar committed").isTrue();
        assertThatThrownBy(() -> eraser.erase("cus_4")).isInstanceOfSatisfying(PolarUnavailableException.class,
                e -> assertThat(e.rowMayHaveLanded()).as("never sent").isFalse()).hasMessage(down.getMessage());
        assertThatThrownBy(() -> eraser.erase("cus_5", EarlierAttempts.recorded(1, java.time.Instant.EPOCH), AttemptLog.NONE)).isInstanceOfSatisfying(PolarUnavailableException.class,
                e -> assertThat(e.rowMayHaveLanded()).as("sent by an interrupted run").isTrue());
        assertThat(server.getRequestCount()).isEqualTo(7);
    }

    @Test
    void answered_rows_keep_the_breaker_closed() {
        // Empty bodies: MockWebServer writes a body separately, which costs a delayed ACK each.
        enqueue(204, "");
        for (int row = 0; row < 3; row++) {
            enqueue(503, "");
            enqueue(503, "");
            enqueue(422, "");
            enqueue(204, "");
        }
        Eraser eraser = eraser(FAST, 2, 4);
        eraser.erase("cus_proves_the_endpoint");

        for (int row = 0; row < 9; row++) {
            eraser.erase("cus_" + row);
        }

        assertThat(server.getRequestCount()).isEqualTo(13);
    }

    @Test
    void an_interrupt_ends_the_call_without_a_result_and_keeps_the_flag() {
        enqueue(503, "down");
        PolarSettings settings = TestSettings.of(server.url("/"), FAST, 6, 20);
        Eraser eraser = new Eraser(client(settings), settings, time, duration -> {
            throw new InterruptedException();
        }, new Random(1));

        try {
            assertThatThrownBy(() -> eraser.erase("cus_1")).isInstanceOf(CancellationException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void the_token_appears_in_no_message_or_detail() {
        enqueue(204, "");
        enqueue(500, "oops " + TOKEN);
        enqueue(422, "{\"detail\":[{\"msg\":\"bad " + TOKEN + "\"}]}");
        enqueue(401, "{\"error\":\"invalid_token\",\"error_description\":\"" + TOKEN + " is revoked\"}");
        Eraser eraser = eraser(FAST, 6, 20);
        eraser.erase("cus_0");

        Erasure rejected = eraser.erase("cus_1");
        Throwable refused = catchThrowableOfType(PolarRefusedException.class, () -> eraser.erase("cus_2"));

        assertThat(rejected.detail()).doesNotContain(TOKEN);
        assertThat(rejected.toString()).doesNotContain(TOKEN);
        assertThat(refused.getMessage()).doesNotContain(TOKEN);
        assertThat(refused.toString()).doesNotContain(TOKEN);
    }

    private static final String ORIGINAL = "0b6c3f4e-6f4e-4f49-9c1e-111111111111";
    private static final String NEWCOMER = "0b6c3f4e-6f4e-4f49-9c1e-222222222222";

    /** Polar's customer object, trimmed to a few of its fields plus one the job must ignore. */
    static String customer(String id, String externalId, String createdAt) {
        return "{\"id\":\"" + id + "\",\"external_id\":\"" + externalId + "\",\"created_at\":\"" + createdAt
                + "\",\"type\":\"individual\",\"email\":\"someone@example.com\",\"metadata\":{}}";
    }

    private void enqueue(int status, String body) {
        server.enqueue(new MockResponse.Builder().code(status).body(body).build());
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // a permit kept would leave the next row waiting for ever
    void under_an_in_flight_limit_every_way_out_of_a_row_gives_its_permit_back() {
        Eraser eraser = eraser(FAST, 6, 20);
        InFlightLimit oneAtATime = InFlightLimit.auto(FAST, 1);
        eraser.limitInFlight(oneAtATime);
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "1").build());
        enqueue(204, "");
        enqueue(503, "Service Unavailable");
        enqueue(200, customer(ORIGINAL, "cus_2", "2025-01-01T00:00:00.123456Z"));
        enqueue(204, "");
        enqueue(404, "{\"error\":\"ResourceNotFound\",\"detail\":\"Not found\"}");

        // With one permit, a permit kept by any of these would leave the next row waiting for ever.
        assertThat(eraser.erase("cus_1").result()).isEqualTo(Erasure.Result.ERASED);
        assertThat(eraser.erase("cus_2").result()).isEqualTo(Erasure.Result.ERASED);
        assertThat(eraser.erase("cus_3").result()).isEqualTo(Erasure.Result.NOT_FOUND);
        eraser.stopSending();
        assertThatThrownBy(() -> eraser.erase("cus_4")).isInstanceOf(StopRequestedException.class);

        assertThat(oneAtATime.inUse()).isZero();
        assertThat(server.getRequestCount()).isEqualTo(6);
    }

    private Eraser eraser(Rate rate, int maxAttempts, int breakerWindow) {
        PolarSettings settings = TestSettings.of(server.url("/"), rate, maxAttempts, breakerWindow);
        return new Eraser(client(settings), settings, time, time, new Random(1));
    }

    private PolarClient client(PolarSettings settings) {
        OkHttpClient http = PolarClient.httpClient(settings).newBuilder()
                .addInterceptor(chain -> {
                    sent.add(time.elapsed());
                    return chain.proceed(chain.request());
                })
                .build();
        return new PolarClient(http, server.url("/"), TOKEN, "polar-erasure/test");
    }

    private ListAppender<ILoggingEvent> capture(Class<?> type) {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Logger logger = (Logger) LoggerFactory.getLogger(type);
        logger.addAppender(appender);
        detachAfterTest.add(() -> logger.detachAppender(appender));
        return appender;
    }
}
