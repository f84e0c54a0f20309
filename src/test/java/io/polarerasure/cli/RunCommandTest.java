package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.polarerasure.Reports;
import io.polarerasure.TestPostgres;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.polar.Rate;
import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.job.OutcomeJournal;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole job, in-process, against a local Polar on loopback and an embedded H2 job repository. */
class RunCommandTest {

    private static final String TOKEN = "test-token";
    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", TOKEN);

    @TempDir
    Path dir;

    @StartStop
    private final MockWebServer server = new MockWebServer();

    private FakePolar polar;
    private Path input;

    @BeforeEach
    void requestFile() throws IOException {
        input = dir.resolve("requests.csv");
        Files.writeString(input, """
                request_id,external_id,email
                R1,usr_1,a@example.com
                R2, usr_2 ,b@example.com
                R3,,c@example.com
                R4,usr_1,a@example.com
                R5,team/usr_5,e@example.com
                R6,USR_2,f@example.com
                R7,gone_7,g@example.com
                R8,"usr,8","Doe, Jane"
                """, StandardCharsets.UTF_8);
    }

    @AfterEach
    void stopPolar() {
        if (polar != null) {
            polar.close();
        }
    }

    private String[] run(String apiUrl, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--api-url", apiUrl,
                "--state-dir", dir.resolve("state").toString(), "--rate-limit", "1000/s"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void deletes_each_valid_row_once_and_reports_every_row_in_input_order() throws IOException {
        polar = FakePolar.builder().token(TOKEN).customers(Set.of("usr_1", "usr_2", "usr,8")).build().start();

        Cli.Result result = Cli.run(ENV, run(polar.baseUrl()));

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.OK);
        Path report = dir.resolve("requests.audit.csv");
        assertThat(Reports.header(report)).isEqualTo("row,external_id,outcome,http_status,attempts,detail,processed_at");
        assertThat(Reports.lines(report)).containsExactly(
                "1,usr_1,DELETED,204,1,",
                "2,usr_2,DELETED,204,1,",
                "3,,INVALID,,0,external_id is empty",
                "4,usr_1,DUPLICATE,,0,same external_id as row 1",
                "5,team/usr_5,INVALID,,0,external_id contains '/', which Polar's endpoint cannot address",
                "6,USR_2,NOT_FOUND,404,1,Polar has no live customer with this external ID",
                "7,gone_7,NOT_FOUND,404,1,Polar has no live customer with this external ID",
                "8,\"usr,8\",DELETED,204,1,".replace("\"", ""));
        assertThat(polar.requests()).allSatisfy(request -> {
            assertThat(request.method()).isEqualTo("DELETE");
            assertThat(request.anonymize()).isTrue();
            assertThat(request.authorizationPresent()).isTrue();
            assertThat(request.status()).isIn(204, 404);
        });
        assertThat(polar.requests()).extracting(FakePolar.Request::externalId)
                .containsExactlyInAnyOrder("usr_1", "usr_2", "USR_2", "gone_7", "usr,8");
        assertThat(polar.requests()).extracting(FakePolar.Request::rawPath)
                .allSatisfy(path -> assertThat(path).startsWith("/v1/customers/external/").endsWith("?anonymize=true"));
        assertThat(result.out()).contains("DELETED 3, NOT_FOUND 2, INVALID 2, DUPLICATE 1")
                .contains(report.toString());
    }

    @Test
    void sends_the_bearer_token_and_identifies_the_tool() throws Exception {
        ScriptedPolar script = new ScriptedPolar(Set.of("usr_1"));
        server.setDispatcher(script);

        Cli.run(ENV, run(Cli.baseUrl(server)));

        var request = server.takeRequest();
        assertThat(request.getMethod()).isEqualTo("DELETE");
        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(request.getHeaders().get("User-Agent")).startsWith("polar-erasure/");
        assertThat(request.getUrl().queryParameter("anonymize")).isEqualTo("true");
    }

    @Test
    void a_completed_file_is_not_sent_again() throws IOException {
        polar = FakePolar.builder().token(TOKEN).customers(Set.of("usr_1")).build().start();
        assertThat(Cli.run(ENV, run(polar.baseUrl())).exitCode()).isEqualTo(ExitCodes.OK);
        int sent = polar.requests().size();

        Cli.Result again = Cli.run(ENV, run(polar.baseUrl()));

        assertThat(again.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(again.out()).contains("already completed").contains("requests.audit.csv");
        assertThat(polar.requests()).hasSize(sent);
    }

    /** The one run journal in the state folder. */
    private Path onlyJournal() throws IOException {
        try (var files = Files.list(dir.resolve("state"))) {
            List<Path> journals = files.filter(file -> file.getFileName().toString().startsWith("journal-")).toList();
            assertThat(journals).hasSize(1);
            return journals.get(0);
        }
    }

    /** 120 rows, cus_1 to cus_120, all live customers; the token is refused from the given request on. */
    private ScriptedPolar customersWithATokenRevokedAtRequest(int request) throws IOException {
        List<String> ids = IntStream.rangeClosed(1, 120).mapToObj(i -> "cus_" + i).toList();
        Files.writeString(input, "external_id\n" + String.join("\n", ids) + "\n");
        ScriptedPolar script = new ScriptedPolar(new HashSet<>(ids));
        script.refuseFrom(request, 401, "{\"error\":\"invalid_token\",\"error_description\":\"revoked\"}");
        server.setDispatcher(script);
        return script;
    }

    @Test
    void a_revoked_token_stops_the_run_and_the_resumed_run_completes_the_report_exactly() throws IOException {
        ScriptedPolar script = customersWithATokenRevokedAtRequest(50);
        String url = Cli.baseUrl(server);

        Cli.Result first = Cli.run(ENV, run(url, "--concurrency", "4", "--chunk-size", "10"));

        assertThat(first.exitCode()).as(first.all()).isEqualTo(ExitCodes.REFUSED);
        assertThat(first.out()).contains("401").contains("POLAR_ACCESS_TOKEN").doesNotContain(TOKEN);
        int sentBeforeStop = script.sent().size();
        assertThat(sentBeforeStop).as("nothing sent after the refusal but the requests in flight").isLessThan(60);
        List<String> partial = Reports.lines(dir.resolve("requests.audit.csv"));
        assertThat(partial).allSatisfy(line -> assertThat(line).contains(",DELETED,204,1,"));
        long kept = OutcomeJournal.read(onlyJournal()).entrySet().stream()
                .filter(entry -> entry.getKey() > partial.size() && entry.getValue().line() != null).count();
        assertThat(kept).as("answers after the checkpoint, refused rows withdrawn").isPositive();
        assertThat(Cli.run(ENV, "status", "--wide", "--state-dir", dir.resolve("state").toString()).out())
                .contains(kept + " answer(s) after the checkpoint are kept in the journal")
                .contains("; 0 request(s) in doubt (sent, no answer recorded): will be looked up on resume.");

        script.heal();
        Cli.Result resumed = Cli.run(ENV, run(url, "--concurrency", "4", "--chunk-size", "10"));

        assertThat(resumed.exitCode()).as(resumed.all()).isEqualTo(ExitCodes.OK);
        assertThat(Cli.run(ENV, "status", "--state-dir", dir.resolve("state").toString()).out())
                .doesNotContain("journal");
        List<String> report = Reports.lines(dir.resolve("requests.audit.csv"));
        assertThat(report).hasSize(120);
        for (int i = 0; i < 120; i++) {
            assertThat(report.get(i)).startsWith((i + 1) + ",cus_" + (i + 1) + ",DELETED,204,");
        }
        assertThat(script.erased()).hasSize(120).doesNotHaveDuplicates();
        Set<String> erasedOnce = new HashSet<>(script.erased());
        List<String> sentTwice = script.sent().stream()
                .collect(Collectors.groupingBy(id -> id, Collectors.counting()))
                .entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        // Only rows refused with 401 (which changed nothing) were sent again.
        assertThat(sentTwice).allSatisfy(id -> assertThat(erasedOnce).contains(id));
        assertThat(sentTwice.size()).isLessThanOrEqualTo(sentBeforeStop - 49 + 1);
        // attempts counts every DELETE of the row, the refused ones of the stopped execution included.
        Map<String, Long> sends = script.sent().stream()
                .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
        for (int i = 0; i < 120; i++) {
            assertThat(Long.parseLong(report.get(i).split(",")[4])).as("attempts of row %d", i + 1)
                    .isEqualTo(sends.get("cus_" + (i + 1)));
        }
    }

    @Test
    void resumed_without_its_journal_the_interrupted_chunk_is_reported_as_possibly_erased() throws IOException {
        ScriptedPolar script = customersWithATokenRevokedAtRequest(55);
        String url = Cli.baseUrl(server);
        assertThat(Cli.run(ENV, run(url, "--concurrency", "4", "--chunk-size", "10")).exitCode())
                .isEqualTo(ExitCodes.REFUSED);
        int checkpoint = Reports.lines(dir.resolve("requests.audit.csv")).size();
        Set<String> erasedBefore = new HashSet<>(script.erased());
        Files.delete(onlyJournal()); // as if resumed from another state folder, or its tail died with the machine

        script.heal();
        Cli.Result resumed = Cli.run(ENV, run(url, "--concurrency", "4", "--chunk-size", "10"));

        assertThat(resumed.exitCode()).as(resumed.all()).isEqualTo(ExitCodes.OK);
        List<String> report = Reports.lines(dir.resolve("requests.audit.csv"));
        assertThat(report).hasSize(120);
        int inDoubt = 0;
        for (int row = 1; row <= 120; row++) {
            String line = report.get(row - 1);
            boolean interruptedChunk = row > checkpoint && row <= checkpoint + 10;
            if (interruptedChunk && erasedBefore.contains("cus_" + row)) {
                // Erased by the first run after its last checkpoint: the record of that answer went with the journal.
                assertThat(line).contains(",NOT_FOUND,404,0,in doubt: ").contains("its journal was lost")
                        .contains("look-up found no live customer");
                inDoubt++;
            } else if (interruptedChunk) {
                // In doubt too, but the look-up found the customer created long before: erased by its Polar id.
                assertThat(line).contains(",DELETED,204,1,in doubt: ").contains("did not take effect");
            } else {
                assertThat(line).contains(",DELETED,204,1,").doesNotContain("interrupted");
            }
        }
        assertThat(inDoubt).as("rows the first run erased after its last checkpoint").isPositive();
    }

    @Test
    void resumes_on_a_postgresql_job_repository() throws Exception {
        try (TestPostgres.Schema postgres = TestPostgres.Schema.fresh()) {
            Map<String, String> env = Map.of("POLAR_ACCESS_TOKEN", TOKEN, "SPRING_DATASOURCE_USERNAME",
                    TestPostgres.USER);
            ScriptedPolar script = new ScriptedPolar(Set.of("usr_1", "usr_2", "gone_7"));
            script.refuseFrom(3, 401, "{\"error\":\"invalid_token\",\"error_description\":\"revoked\"}");
            server.setDispatcher(script);
            String url = Cli.baseUrl(server);

            Cli.Result first = Cli.run(env, run(url, "--jdbc-url", postgres.url(), "--concurrency", "1",
                    "--chunk-size", "1"));
            assertThat(first.exitCode()).as(first.all()).isEqualTo(ExitCodes.REFUSED);

            script.heal();
            Cli.Result resumed = Cli.run(env, run(url, "--jdbc-url", postgres.url()));

            assertThat(resumed.exitCode()).as(resumed.all()).isEqualTo(ExitCodes.OK);
            assertThat(resumed.out()).contains("resumed");
            assertThat(Reports.lines(dir.resolve("requests.audit.csv"))).hasSize(8)
                    .extracting(line -> line.replaceAll("^\\d+,.*?,(DELETED|NOT_FOUND|INVALID|DUPLICATE),.*$", "$1"))
                    .containsExactly("DELETED", "DELETED", "INVALID", "DUPLICATE", "INVALID", "NOT_FOUND", "DELETED",
                            "NOT_FOUND");
            assertThat(script.erased()).containsExactlyInAnyOrder("usr_1", "usr_2", "gone_7");
        }
    }

    @Test
    void a_resume_that_fails_before_its_first_checkpoint_keeps_the_earlier_checkpoint() throws IOException {
        List<String> ids = IntStream.rangeClosed(1, 40).mapToObj(i -> "cus_" + i).toList();
        Files.writeString(input, "external_id\n" + String.join("\n", ids) + "\n");
        ScriptedPolar script = new ScriptedPolar(new HashSet<>(ids));
        server.setDispatcher(script);
        String url = Cli.baseUrl(server);
        String revoked = "{\"error\":\"invalid_token\",\"error_description\":\"revoked\"}";
        script.refuseFrom(21, 401, revoked);
        assertThat(Cli.run(ENV, run(url, "--concurrency", "1", "--chunk-size", "5")).exitCode())
                .isEqualTo(ExitCodes.REFUSED);
        int sentInFirstRun = script.sent().size();
        script.refuseFrom(sentInFirstRun + 1, 401, revoked);
        assertThat(Cli.run(ENV, run(url, "--concurrency", "1", "--chunk-size", "5")).exitCode())
                .isEqualTo(ExitCodes.REFUSED);

        script.heal();
        Cli.Result last = Cli.run(ENV, run(url, "--concurrency", "1", "--chunk-size", "5"));

        assertThat(last.exitCode()).as(last.all()).isEqualTo(ExitCodes.OK);
        assertThat(script.erased()).hasSize(40).doesNotHaveDuplicates();
        assertThat(script.sent().subList(sentInFirstRun, script.sent().size()))
                .as("rows committed by the first run are not sent again").doesNotContain("cus_1", "cus_20");
        assertThat(Reports.lines(dir.resolve("requests.audit.csv"))).hasSize(40);
    }

    @Test
    void a_run_left_unknown_by_a_lost_database_is_resumed() throws Exception {
        ScriptedPolar script = new ScriptedPolar(Set.of("usr_1", "usr_2", "gone_7"));
        script.refuseFrom(3, 401, "{\"error\":\"invalid_token\",\"error_description\":\"revoked\"}");
        server.setDispatcher(script);
        String url = Cli.baseUrl(server);
        assertThat(Cli.run(ENV, run(url, "--concurrency", "1", "--chunk-size", "1")).exitCode())
                .isEqualTo(ExitCodes.REFUSED);
        // What Spring Batch records when the database went away during a commit.
        try (var connection = java.sql.DriverManager.getConnection(
                "jdbc:h2:file:" + dir.resolve("state").resolve("repository"), "sa", "");
             var statement = connection.createStatement()) {
            statement.executeUpdate("UPDATE BATCH_JOB_EXECUTION SET STATUS = 'UNKNOWN'");
            statement.executeUpdate("UPDATE BATCH_STEP_EXECUTION SET STATUS = 'UNKNOWN'");
        }

        script.heal();
        Cli.Result resumed = Cli.run(ENV, run(url));

        assertThat(resumed.exitCode()).as(resumed.all()).isEqualTo(ExitCodes.OK);
        assertThat(Reports.lines(dir.resolve("requests.audit.csv"))).hasSize(8);
        assertThat(script.erased()).containsExactlyInAnyOrder("usr_1", "usr_2", "gone_7");
    }

    @Test
    void a_wrong_route_stops_the_run_with_exit_4_and_reports_no_row_as_anything() throws IOException {
        ScriptedPolar script = new ScriptedPolar(Set.of());
        script.refuseFrom(1, 404, "{\"detail\":\"Not Found\"}");
        server.setDispatcher(script);

        Cli.Result result = Cli.run(ENV, run(Cli.baseUrl(server)));

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.REFUSED);
        assertThat(result.out()).contains("--api-url");
        assertThat(Reports.lines(dir.resolve("requests.audit.csv"))).isEmpty();
    }

    @Test
    void a_row_whose_attempts_run_out_is_failed_and_the_run_exits_1() throws IOException {
        ScriptedPolar script = new ScriptedPolar(Set.of("usr_1", "usr_2"));
        script.alwaysUnavailable("gone_7");
        server.setDispatcher(script);

        Cli.Result result = Cli.run(ENV, run(Cli.baseUrl(server), "--max-attempts", "2"));

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.ROWS_FAILED);
        assertThat(Reports.lines(dir.resolve("requests.audit.csv")))
                .anySatisfy(line -> assertThat(line).as("one DELETE, then a look-up: both 503")
                        .startsWith("7,gone_7,FAILED,503,1,in doubt: gave up after 1 DELETE and 1 look-up without"));
    }

    @Test
    void a_dry_run_plans_without_sending_and_does_not_count_as_a_run() throws IOException {
        polar = FakePolar.builder().token(TOKEN).customers(Set.of("usr_1")).build().start();

        Cli.Result dry = Cli.run(Map.of(), run(polar.baseUrl(), "--dry-run"));

        assertThat(dry.exitCode()).as(dry.all()).isEqualTo(ExitCodes.OK);
        assertThat(polar.requests()).isEmpty();
        assertThat(Reports.lines(dir.resolve("requests.plan.csv"))).containsExactly(
                "1,usr_1,WOULD_DELETE,,0,",
                "2,usr_2,WOULD_DELETE,,0,",
                "3,,INVALID,,0,external_id is empty",
                "4,usr_1,DUPLICATE,,0,same external_id as row 1",
                "5,team/usr_5,INVALID,,0,external_id contains '/', which Polar's endpoint cannot address",
                "6,USR_2,WOULD_DELETE,,0,",
                "7,gone_7,WOULD_DELETE,,0,",
                "8,\"usr,8\",WOULD_DELETE,,0,".replace("\"", ""));
        assertThat(Files.exists(dir.resolve("requests.audit.csv"))).isFalse();

        Cli.Result real = Cli.run(ENV, run(polar.baseUrl()));
        assertThat(real.out()).doesNotContain("already completed");
        assertThat(polar.requests()).hasSize(5);
    }

    @Test
    void a_missing_token_exits_2_before_any_call() {
        polar = null;
        server.setDispatcher(new ScriptedPolar(Set.of()));

        Cli.Result result = Cli.run(Map.of(), run(Cli.baseUrl(server)));

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("POLAR_ACCESS_TOKEN");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void a_csv_syntax_error_exits_2_naming_the_file_and_line_before_any_call() throws IOException {
        Files.writeString(input, "external_id\nusr_1\nusr_2\n\"usr_3\n");
        server.setDispatcher(new ScriptedPolar(Set.of()));

        Cli.Result result = Cli.run(ENV, run(Cli.baseUrl(server)));

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains(input.toString()).contains("line 4");
        assertThat(result.err()).contains(input + " line 4:").contains("never closed");
        assertThat(server.getRequestCount()).isZero();
        assertThat(dir.resolve("requests.audit.csv")).doesNotExist();
    }

    @Test
    void a_missing_id_column_exits_2_listing_the_headers_found() throws IOException {
        server.setDispatcher(new ScriptedPolar(Set.of()));

        Cli.Result result = Cli.run(ENV, run(Cli.baseUrl(server), "--id-column", "customer"));

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("customer").contains("external_id").contains(input.toString());
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void the_report_path_is_fixed_for_the_life_of_a_run() throws IOException {
        ScriptedPolar script = new ScriptedPolar(Set.of("usr_1", "usr_2"));
        script.refuseFrom(1, 401, "{\"error\":\"invalid_token\",\"error_description\":\"revoked\"}");
        server.setDispatcher(script);
        String url = Cli.baseUrl(server);
        Path first = dir.resolve("first.csv");
        assertThat(Cli.run(ENV, run(url, "--report", first.toString())).exitCode()).isEqualTo(ExitCodes.REFUSED);

        script.heal();
        Cli.Result resumed = Cli.run(ENV, run(url, "--report", dir.resolve("second.csv").toString()));

        assertThat(resumed.exitCode()).as(resumed.all()).isEqualTo(ExitCodes.OK);
        assertThat(Reports.lines(first)).hasSize(8);
        assertThat(Files.exists(dir.resolve("second.csv"))).isFalse();
        assertThat(resumed.out()).contains("was ignored");
    }

    @Test
    void the_default_chunk_holds_about_eight_seconds_of_requests_with_a_fixed_concurrency() {
        int seconds = RunCommand.CHUNK_SECONDS;
        assertThat(RunCommand.defaultChunkSize(Rate.parse("300/min"), 4, seconds)).isEqualTo(40);
        assertThat(RunCommand.defaultChunkSize(Rate.parse("20/s"), 8, seconds)).isEqualTo(160);
        assertThat(RunCommand.defaultChunkSize(Rate.parse("6/min"), 4, seconds)).isEqualTo(8);
        assertThat(RunCommand.defaultChunkSize(Rate.parse("1000000/s"), 4, seconds)).isEqualTo(10_000);
        assertThat(RunCommand.defaultChunkSize(Rate.parse("200/s"), 4, seconds)).isEqualTo(1_600);
    }

    @Test
    void the_default_chunk_holds_about_a_minute_of_requests_with_concurrency_auto() {
        int seconds = RunCommand.AUTO_CHUNK_SECONDS;
        int cap = RunCommand.AUTO_CONCURRENCY_CAP;
        assertThat(RunCommand.defaultChunkSize(Rate.parse("300/min"), cap, seconds)).isEqualTo(300);
        assertThat(RunCommand.defaultChunkSize(Rate.parse("500/min"), cap, seconds)).isEqualTo(500);
        assertThat(RunCommand.defaultChunkSize(Rate.parse("6/min"), cap, seconds)).isEqualTo(2 * cap);
    }

    @Test
    void concurrency_is_auto_by_default_and_an_explicit_number_wins() throws IOException {
        polar = FakePolar.builder().token(TOKEN).customers(Set.of("usr_1")).build().start();

        Cli.Result auto = Cli.run(ENV, run(polar.baseUrl()));
        Cli.Result fixed = Cli.run(ENV, run(polar.baseUrl(), "--concurrency", "3", "--rerun"));

        assertThat(auto.exitCode()).as(auto.all()).isEqualTo(ExitCodes.OK);
        assertThat(auto.out()).contains("concurrency auto (up to 32)");
        assertThat(fixed.exitCode()).as(fixed.all()).isEqualTo(ExitCodes.OK);
        assertThat(fixed.out()).contains("concurrency 3,");
    }

    @Test
    void a_concurrency_that_is_neither_auto_nor_a_number_is_a_usage_error() {
        Cli.Result result = Cli.run(ENV, run("http://127.0.0.1:9", "--concurrency", "lots"));

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("--concurrency must be auto or a number between 1 and 64, was lots");
    }

    @Test
    void unknown_options_are_an_error() {
        Cli.Result result = Cli.run(ENV, "run", "--input", input.toString(), "--frobnicate");

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("--frobnicate");
    }
}
