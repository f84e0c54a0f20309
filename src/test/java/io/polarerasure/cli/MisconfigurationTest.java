package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.polarerasure.Reports;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.Sha256;
import io.polarerasure.TestPostgres;
import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.job.OutcomeJournal;
import io.polarerasure.job.RunIdentity;
import io.polarerasure.polar.PolarSettings;
import io.polarerasure.report.HtmlSummary;
import io.polarerasure.report.RunSummary;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A wrong endpoint, an unreachable host, a 429 storm or a bad option: the run stops at once and burns no row;
 * the same file against the right endpoint then completes with no FAILED row.
 */
class MisconfigurationTest {

    private static final String TOKEN = "test-token";
    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", TOKEN);
    private static final Set<String> CUSTOMERS = Set.of("usr_1", "usr_2", "usr_3", "usr_4", "usr_5", "usr_6");

    @TempDir
    Path dir;

    @StartStop
    private final MockWebServer server = new MockWebServer();

    private FakePolar polar;
    private Path input;

    @BeforeEach
    void requestFile() throws IOException {
        input = dir.resolve("requests.csv");
        StringBuilder rows = new StringBuilder("external_id\n");
        for (int i = 1; i <= 12; i++) {
            rows.append("usr_").append(i).append('\n');
        }
        Files.writeString(input, rows, StandardCharsets.UTF_8);
    }

    @AfterEach
    void stopPolar() {
        if (polar != null) {
            polar.close();
        }
    }

    static Stream<Arguments> foreignAnswers() {
        return Stream.of(
                Arguments.of(new MockResponse.Builder().code(200).addHeader("Content-Type", "text/html")
                        .body("<html>welcome</html>").build(), "HTTP 200 text/html", "web page"),
                Arguments.of(new MockResponse.Builder().code(301).addHeader("Location", "https://polar.sh/").build(),
                        "HTTP 301", "redirects"),
                Arguments.of(new MockResponse.Builder().code(307).addHeader("Location", "http://proxy/").build(),
                        "HTTP 307", "redirects"),
                Arguments.of(json(400, "{\"detail\":\"bad request\"}"), "HTTP 400", "another service"),
                Arguments.of(json(409, "{\"detail\":\"conflict\"}"), "HTTP 409", "another service"),
                Arguments.of(json(410, "{\"detail\":\"gone\"}"), "HTTP 410", "another service"),
                Arguments.of(new MockResponse.Builder().code(404).addHeader("Content-Type", "text/plain")
                        .body("404 page not found").build(), "HTTP 404", "no API route matched"),
                Arguments.of(json(422, "{\"error\":\"RequestValidationError\",\"detail\":[{\"msg\":\"bad\"}]}"),
                        "HTTP 422", "malformed"));
    }

    @ParameterizedTest
    @MethodSource("foreignAnswers")
    void an_endpoint_that_answers_like_something_else_stops_with_exit_4_then_the_right_url_completes(
            MockResponse answer, String seen, String hint) throws IOException {
        server.setDispatcher(always(answer));

        Cli.Result wrong = Cli.run(ENV, run(base(server)));

        assertThat(wrong.exitCode()).as(wrong.all()).isEqualTo(ExitCodes.REFUSED);
        assertThat(wrong.all()).contains(seen).contains(hint);
        assertThat(server.getRequestCount()).as("requests before the stop").isBetween(1, 9);
        rightUrlCompletesWithoutFailedRows();
    }

    @Test
    void a_closed_port_stops_with_exit_4_and_the_right_url_then_sends_every_row() throws IOException {
        MockWebServer closed = new MockWebServer();
        closed.start();
        String nobody = base(closed);
        closed.close();

        Cli.Result wrong = Cli.run(ENV, run(nobody));

        assertThat(wrong.exitCode()).as(wrong.all()).isEqualTo(ExitCodes.REFUSED);
        assertThat(wrong.all()).contains("ConnectException").contains("nothing accepts connections");
        rightUrlCompletesWithoutFailedRows();
    }

    @Test
    void a_service_that_does_not_speak_http_stops_with_exit_4_and_burns_no_row() throws Exception {
        try (java.net.ServerSocket foreign = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            AtomicInteger connections = new AtomicInteger();
            Thread answering = new Thread(() -> {
                while (!foreign.isClosed()) {
                    try (java.net.Socket socket = foreign.accept()) {
                        connections.incrementAndGet();
                        socket.getInputStream().read(new byte[4096]);
                        // What a Redis port says to an HTTP request; PostgreSQL's just closes.
                        socket.getOutputStream().write("-ERR unknown command\r\n".getBytes(StandardCharsets.UTF_8));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            answering.start();

            Cli.Result wrong = Cli.run(ENV, run("http://127.0.0.1:" + foreign.getLocalPort()));

            assertThat(wrong.exitCode()).as(wrong.all()).isEqualTo(ExitCodes.REFUSED);
            assertThat(wrong.all()).contains("nothing at --api-url has answered like an HTTP server yet")
                    .contains("a reply that is not HTTP").contains("check --api-url")
                    .doesNotContain("Polar looks unavailable");
            assertThat(connections.get()).as("requests before the stop").isBetween(1, 9);
            Path report = dir.resolve("requests.audit.csv");
            if (Files.exists(report)) {
                assertThat(Reports.lines(report)).as("rows in doubt stay unmarked").isEmpty();
            }
        }
    }

    @Test
    void an_unresolvable_host_stops_with_exit_4() {
        Cli.Result wrong = Cli.run(ENV, run("https://polar-erasure-test.invalid"));

        assertThat(wrong.exitCode()).as(wrong.all()).isEqualTo(ExitCodes.REFUSED);
        assertThat(wrong.all()).contains("UnknownHostException").contains("cannot be resolved");
    }

    @Test
    void tls_to_a_plain_http_port_stops_with_exit_4_at_once() throws IOException {
        // A plain HTTP server as nginx or Jetty is one: a TLS ClientHello is a bad request, answered 400 and closed.
        // (MockWebServer waited for a line end that a ClientHello need not hold, so the client timed out at times.)
        AtomicInteger handshakes = new AtomicInteger();
        try (java.net.ServerSocket plain = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread answering = new Thread(() -> {
                while (!plain.isClosed()) {
                    try (java.net.Socket socket = plain.accept()) {
                        handshakes.incrementAndGet();
                        socket.getInputStream().read(new byte[4096]);
                        socket.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        // closed at the end of the test, or a client that went away
                    }
                }
            });
            answering.setDaemon(true);
            answering.start();

            Cli.Result wrong = Cli.run(ENV, run("https://localhost:" + plain.getLocalPort()));

            assertThat(wrong.exitCode()).as(wrong.all()).isEqualTo(ExitCodes.REFUSED);
            assertThat(wrong.all()).contains("TLS handshake failed");
            assertThat(handshakes.get()).as("handshakes tried").isBetween(1, 9);
        }
    }

    @Test
    void rows_that_meet_only_429s_are_not_failed_with_two_attempts() throws IOException {
        AtomicInteger requests = new AtomicInteger();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                // The first row meets three 429s, more than --max-attempts.
                return requests.incrementAndGet() <= 3
                        ? new MockResponse.Builder().code(429).addHeader("Retry-After", "0").build()
                        : json(404, "{\"error\":\"ResourceNotFound\",\"detail\":\"Not found\"}");
            }
        });

        Cli.Result result = Cli.run(ENV, run(base(server), "--max-attempts", "2"));

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.OK);
        assertThat(Reports.lines(dir.resolve("requests.audit.csv"))).hasSize(12)
                .allSatisfy(line -> assertThat(line).contains(",NOT_FOUND,404,"));
    }

    @Test
    void a_retry_after_above_max_pause_stops_resumably_at_once_saying_when_to_resume() {
        server.setDispatcher(always(new MockResponse.Builder().code(429).addHeader("Retry-After", "86400").build()));

        long started = System.nanoTime();
        Cli.Result result = Cli.run(ENV, run(base(server)));

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.RESUMABLE);
        assertThat(result.all()).contains("86400 s").contains("--max-pause").contains("again after");
        assertThat((System.nanoTime() - started) / 1e9).as("seconds").isLessThan(60);
    }

    @Test
    void every_row_answering_52x_from_the_start_stops_resumably_burning_no_row_and_the_resume_completes()
            throws IOException {
        StringBuilder rows = new StringBuilder("external_id\n");
        for (int i = 1; i <= 40; i++) {
            rows.append("usr_").append(i).append('\n');
        }
        Files.writeString(input, rows, StandardCharsets.UTF_8);
        AtomicBoolean down = new AtomicBoolean(true);
        AtomicInteger requests = new AtomicInteger();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                // Cloudflare's pages when the origin is down: 520 (unknown error) and 524 (timeout).
                return down.get() ? new MockResponse.Builder().code(requests.incrementAndGet() % 2 == 0 ? 520 : 524)
                        .addHeader("Content-Type", "text/html").body("<html>origin error</html>").build()
                        : json(404, "{\"error\":\"ResourceNotFound\",\"detail\":\"Not found\"}");
            }
        });

        Cli.Result outage = Cli.run(ENV, run(base(server), "--max-attempts", "2"));

        // Nothing but 5xx ever answered: no row's attempts were spent, and the run stopped within the breaker.
        assertThat(outage.exitCode()).as(outage.all()).isEqualTo(ExitCodes.RESUMABLE);
        assertThat(outage.all()).contains("every answer so far was HTTP 520 or 524 from the edge")
                .contains("Polar looks down").contains("No row was marked").doesNotContain("gave up after");
        assertThat(requests.get()).as("requests before the stop").isBetween(5, 9);
        Path report = dir.resolve("requests.audit.csv");
        if (Files.exists(report)) {
            assertThat(Reports.lines(report)).as("rows stay unmarked").isEmpty();
        }
        down.set(false);
        Cli.Result resumed = Cli.run(ENV, run(base(server), "--max-attempts", "2"));
        assertThat(resumed.exitCode()).as(resumed.all()).isEqualTo(ExitCodes.OK);
        assertThat(resumed.all()).contains("resumed and completed");
        List<String> lines = Reports.lines(report);
        assertThat(lines).hasSize(40).allSatisfy(line -> assertThat(line).contains(",NOT_FOUND,404,"));
        // The rows whose DELETE got a 52x were in doubt: the resume looked them up first (GET), sent nothing else.
        assertThat(lines).filteredOn(line -> line.contains("look-up")).isNotEmpty();
    }

    static Stream<Arguments> badOptions() {
        return Stream.of(
                Arguments.of(List.of("--concurrency", "0"),
                        "--concurrency must be auto or a number between 1 and 64"),
                Arguments.of(List.of("--chunk-size", "0"), "--chunk-size must be between 1"),
                Arguments.of(List.of("--max-attempts", "0"), "--max-attempts must be between 1"),
                Arguments.of(List.of("--progress=-1"), "--progress must be between 0"),
                Arguments.of(List.of("--max-pause", "0"), "--max-pause must be between 1"),
                Arguments.of(List.of("--polar-version", "2025-01"), "--polar-version must be one of 2026-04, 2026-10"),
                Arguments.of(List.of("--rate-limit", "fast"), "--rate-limit"));
    }

    @ParameterizedTest
    @MethodSource("badOptions")
    void a_bad_option_is_a_usage_error_naming_it_and_nothing_is_sent(List<String> option, String message) {
        server.setDispatcher(always(new MockResponse.Builder().code(204).build()));

        Cli.Result result = Cli.run(ENV, run(base(server), option.toArray(String[]::new)));

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains(message).doesNotContain("unexpected error");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void a_rate_above_polars_budget_is_refused_against_polars_hosts_unless_allowed() {
        Cli.Result production = Cli.run(ENV, "run", "--input", input.toString(), "--state-dir",
                dir.resolve("state").toString(), "--rate-limit", "2000/min");
        Cli.Result sandbox = Cli.run(ENV, "run", "--input", input.toString(), "--state-dir",
                dir.resolve("state").toString(), "--sandbox", "--rate-limit", "101/min");

        assertThat(production.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(production.err()).contains("--rate-limit 2000/min").contains("500/min")
                .contains("--allow-rate-above-budget");
        assertThat(sandbox.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(sandbox.err()).contains("100/min");
    }

    @Test
    void a_dry_run_refuses_the_rate_the_run_would_refuse_and_the_sandbox_url_gets_the_sandbox_default() {
        Cli.Result above = Cli.run(ENV, "run", "--input", input.toString(), "--dry-run", "--rate-limit", "600/min");
        Cli.Result sandbox = Cli.run(ENV, "run", "--input", input.toString(), "--dry-run", "--api-url",
                "https://sandbox-api.polar.sh");

        assertThat(above.exitCode()).as(above.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(above.err()).contains("--rate-limit 600/min").contains("500/min");
        assertThat(sandbox.exitCode()).as(sandbox.all()).isZero();
        assertThat(sandbox.out()).contains("at 80/min");
    }

    @Test
    void a_user_token_is_refused_against_polars_hosts_naming_its_source() {
        Cli.Result result = Cli.run(Map.of("POLAR_ACCESS_TOKEN", "polar_pat_" + "0123456789".repeat(3)), "run",
                "--input", input.toString(), "--state-dir", dir.resolve("state").toString());

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("not an organization access token").contains("POLAR_ACCESS_TOKEN")
                .contains("--allow-user-token").doesNotContain("0123456789abcdefghij");
    }

    @Test
    void a_read_only_report_folder_is_a_usage_error_before_anything_is_sent() throws IOException {
        server.setDispatcher(always(new MockResponse.Builder().code(204).build()));
        Path readOnly = Files.createDirectory(dir.resolve("read-only"));
        readOnly.toFile().setWritable(false);
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(readOnly), "root writes anywhere");

        Cli.Result result = Cli.run(ENV, run(base(server), "--report", readOnly.resolve("r.audit.csv").toString()));

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("not writable").contains("--report");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void a_missing_postgresql_schema_is_a_usage_error_naming_it() {
        Cli.Result result = Cli.run(ENV, "run", "--input", input.toString(), "--api-url", base(server),
                "--jdbc-url", "jdbc:postgresql://127.0.0.1:5432/test?currentSchema=no_such_schema_i15");

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("schema").contains("does not exist");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void a_run_that_got_answers_keeps_its_report_and_the_command_with_another_url_is_refused() throws IOException {
        AtomicInteger requests = new AtomicInteger();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                // Polar's own answer for three rows, then the token is revoked: those rows were settled there.
                return requests.incrementAndGet() <= 3
                        ? json(404, "{\"error\":\"ResourceNotFound\",\"detail\":\"Not found\"}")
                        : json(401, "{\"error\":\"invalid_token\",\"error_description\":\"revoked\"}");
            }
        });
        Cli.Result answered = Cli.run(ENV, run(base(server), "--concurrency", "1"));
        assertThat(answered.exitCode()).as(answered.all()).isEqualTo(ExitCodes.REFUSED);
        polar = FakePolar.builder().token(TOKEN).customers(CUSTOMERS).build().start();

        Cli.Result other = Cli.run(ENV, run(polar.baseUrl()));

        assertThat(other.exitCode()).as(other.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(other.err()).contains("belongs to the run of").contains("against " + base(server))
                .contains("abandon --report").doesNotContain("took over");
        assertThat(polar.requests()).isEmpty();
        assertThat(Cli.run(ENV, run(base(server))).all()).as("the first run is not closed")
                .doesNotContain("was closed");
    }

    @Test
    void on_postgresql_a_report_with_rows_decided_without_a_call_is_taken_over_too() throws Exception {
        // Two INVALID rows committed (chunks of one row) before the breaker stops the run at the first sent row.
        Files.writeString(input, "external_id\nbad/id\n..\nusr_1\nusr_2\nusr_3\n", StandardCharsets.UTF_8);
        server.setDispatcher(always(new MockResponse.Builder().code(200).addHeader("Content-Type", "text/html")
                .body("<html>welcome</html>").build()));
        Map<String, String> env = Map.of("POLAR_ACCESS_TOKEN", TOKEN, "SPRING_DATASOURCE_USERNAME", TestPostgres.USER);
        try (TestPostgres.Schema postgres = TestPostgres.Schema.fresh()) {
            Cli.Result wrong = Cli.run(env, run(base(server), "--jdbc-url", postgres.url(), "--concurrency", "1",
                    "--chunk-size", "1"));
            assertThat(wrong.exitCode()).as(wrong.all()).isEqualTo(ExitCodes.REFUSED);
            assertThat(Reports.lines(dir.resolve("requests.audit.csv"))).hasSize(2)
                    .allSatisfy(line -> assertThat(line).contains(",INVALID,"));
            polar = FakePolar.builder().token(TOKEN).customers(CUSTOMERS).build().start();

            Cli.Result right = Cli.run(env, run(polar.baseUrl(), "--jdbc-url", postgres.url()));

            assertThat(right.exitCode()).as(right.all()).isEqualTo(ExitCodes.OK);
            assertThat(right.out()).contains("This run took over from run");
            assertThat(Reports.lines(dir.resolve("requests.audit.csv"))).hasSize(5)
                    .extracting(line -> line.split(",")[2])
                    .containsExactly("INVALID", "INVALID", "DELETED", "DELETED", "DELETED");
            assertThat(polar.requests()).hasSize(3);
        }
    }

    @Test
    void a_request_in_doubt_keeps_the_report_with_its_run() throws IOException {
        server.setDispatcher(always(new MockResponse.Builder().code(200).addHeader("Content-Type", "text/html")
                .body("<html>welcome</html>").build()));
        assertThat(Cli.run(ENV, run(base(server))).exitCode()).isEqualTo(ExitCodes.REFUSED);
        // What a crash leaves when a DELETE was sent and its answer never recorded: it may have erased someone.
        Path state = dir.resolve("state");
        String key = new RunIdentity(Sha256.of(input), PolarSettings.normalise(base(server))).key();
        try (OutcomeJournal journal = new OutcomeJournal(OutcomeJournal.fileFor(state, key),
                OutcomeJournal.currentBootId())) {
            journal.open(true, 1, 0);
            journal.markSending(1, 1, Instant.now());
        }
        polar = FakePolar.builder().token(TOKEN).customers(CUSTOMERS).build().start();

        Cli.Result right = Cli.run(ENV, run(polar.baseUrl()));

        assertThat(right.exitCode()).as(right.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(right.err()).contains("belongs to the run of").contains("abandon --report");
        assertThat(polar.requests()).isEmpty();
    }

    @Test
    void the_command_of_a_run_whose_report_was_taken_over_sends_nothing_and_says_why() throws IOException {
        server.setDispatcher(always(json(400, "{\"detail\":\"bad request\"}")));
        assertThat(Cli.run(ENV, run(base(server))).exitCode()).isEqualTo(ExitCodes.REFUSED);
        rightUrlCompletesWithoutFailedRows();
        int sent = server.getRequestCount();

        Cli.Result again = Cli.run(ENV, run(base(server)));

        assertThat(again.exitCode()).as(again.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(again.err()).contains("was closed").contains("taken over by the run of this file against "
                + polar.baseUrl()).contains("--rerun");
        assertThat(server.getRequestCount()).as("nothing sent to the closed run's URL").isEqualTo(sent);
        assertThat(Reports.lines(dir.resolve("requests.audit.csv"))).hasSize(12);
    }

    /** The same command with the right URL takes the wrong URL's report over and completes it. */
    private void rightUrlCompletesWithoutFailedRows() throws IOException {
        polar = FakePolar.builder().token(TOKEN).customers(CUSTOMERS).build().start();
        Path report = dir.resolve("requests.audit.csv");
        assertThat(report).as("the stopped run's report").exists();

        Cli.Result right = Cli.run(ENV, run(polar.baseUrl()));

        assertThat(right.exitCode()).as(right.all()).isEqualTo(ExitCodes.OK);
        assertThat(right.out()).containsPattern("This run took over from run \\d+ \\(this file against http")
                .contains("wrong --api-url?").contains("never resumes against");
        List<String> lines = new ArrayList<>(Reports.lines(report));
        assertThat(lines).hasSize(12).noneMatch(line -> line.contains("FAILED") || line.contains("INVALID"));
        assertThat(polar.requests()).hasSize(12);
        assertThat(RunSummary.read(RunSummary.pathFor(report)).provenance().tookOver()).contains("took over from run");
        assertThat(Files.readString(HtmlSummary.pathFor(report))).contains("took over from run");
    }

    private String[] run(String apiUrl, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--api-url", apiUrl,
                "--state-dir", dir.resolve("state").toString(), "--rate-limit", "1000/s"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private static String base(MockWebServer server) {
        return Cli.baseUrl(server);
    }

    private static MockResponse json(int status, String body) {
        return new MockResponse.Builder().code(status).addHeader("Content-Type", "application/json").body(body)
                .build();
    }

    private static Dispatcher always(MockResponse response) {
        return new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return response;
            }
        };
    }
}
