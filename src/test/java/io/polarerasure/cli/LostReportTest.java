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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.polarerasure.Reports;
import io.polarerasure.TestPostgres;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.report.RunSummary;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stopped run whose report the operator deleted: `run` points at `abandon`, and `abandon` rebuilds the report
 * from the ledger and the journal, so that the 204s kept only in the journal reach a report and the ledger.
 */
class LostReportTest {

    private static final String TOKEN = "test-token";
    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", TOKEN);
    private static final int ROWS = 12;
    /** DELETEs answered 204 before the token is "revoked" (401): some in a committed chunk, some only journaled. */
    private static final int ERASED = 8;

    @TempDir
    Path dir;

    @StartStop
    private final MockWebServer server = new MockWebServer();

    private final Set<String> erased = ConcurrentHashMap.newKeySet();
    private Path input;
    private Path report;
    /** Where the runs are recorded: the state folder's H2 database, or PostgreSQL. */
    private List<String> repository;

    @BeforeEach
    void onH2() {
        repository = List.of("--state-dir", dir.resolve("state").toString());
    }

    /** Starts a run that erases {@link #ERASED} rows and is stopped by a 401, then deletes its report. */
    private void stoppedRunWithDeletedReport() throws IOException {
        stoppedRun();
        Files.delete(report);
    }

    /** Starts a run that erases {@link #ERASED} rows and is stopped by a 401: some answered after its checkpoint. */
    private void stoppedRun() throws IOException {
        StringBuilder rows = new StringBuilder("external_id\n");
        for (int i = 1; i <= ROWS; i++) {
            rows.append("usr_").append(i).append('\n');
        }
        input = Files.writeString(dir.resolve("requests.csv"), rows, StandardCharsets.UTF_8);
        report = dir.resolve("requests.audit.csv");
        AtomicInteger deletes = new AtomicInteger();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getUrl().encodedPath();
                if ("DELETE".equals(request.getMethod()) && deletes.incrementAndGet() <= ERASED) {
                    erased.add(path.substring(path.lastIndexOf('/') + 1));
                    return new MockResponse.Builder().code(204).build();
                }
                return new MockResponse.Builder().code(401).addHeader("Content-Type", "application/json")
                        .body("{\"error\":\"invalid_token\",\"detail\":\"revoked\"}").build();
            }
        });
        Cli.Result stopped = Cli.run(ENV, run());
        assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(erased).hasSize(ERASED);
        assertThat(Reports.lines(report)).as("committed before the stop").hasSizeBetween(1, ERASED - 1);
    }

    @Test
    void run_points_at_abandon_which_rebuilds_the_report_and_records_the_journals_204s_in_the_ledger()
            throws IOException {
        stoppedRunWithDeletedReport();
        int sent = server.getRequestCount();
        Cli.Result again = Cli.run(ENV, run());
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(again.all()).contains("polar-erasure: Cannot resume: ").contains("was deleted")
                .contains("abandon --report " + report);

        Cli.Result abandon = cli("abandon", "--report", report.toString());

        assertThat(abandon.exitCode()).as(abandon.toString()).isEqualTo(ExitCodes.OK);
        assertThat(abandon.out()).contains("the original report was lost (deleted) and rebuilt");
        assertThat(server.getRequestCount()).as("nothing sent").isEqualTo(sent);
        List<String> lines = Reports.lines(report);
        assertThat(lines).hasSize(ROWS);
        List<String> deleted = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            String line = lines.get(i);
            assertThat(line).startsWith((i + 1) + ",usr_" + (i + 1) + ",")
                    .contains("the original report was lost (deleted) and rebuilt by abandon");
            if (line.contains(",DELETED,204,")) {
                deleted.add("usr_" + (i + 1));
            } else {
                assertThat(line).contains(",NOT_SENT,");
            }
        }
        assertThat(deleted).as("every 204, committed or only journaled").containsExactlyInAnyOrderElementsOf(erased);
        assertThat(lines).anyMatch(line -> line.contains("rebuilt from the ledger"))
                .anyMatch(line -> line.contains(",DELETED,") && line.contains("after the run's last checkpoint"));
        assertThat(RunSummary.read(RunSummary.pathFor(report)).state()).isEqualTo("ABANDONED");
        assertThat(Files.readString(RunSummary.pathFor(report))).contains("the original report was lost");
        for (String id : erased) {
            Cli.Result lookup = cli("lookup", "--id", id, "--api-url", Cli.baseUrl(server));
            assertThat(lookup.exitCode()).as(lookup.toString()).isZero();
            assertThat(lookup.out()).contains("DELETED");
        }
        assertThat(Cli.run(ENV, "verify", "--report", report.toString()).exitCode()).isZero();
    }

    @Test
    void committed_rows_the_ledger_no_longer_holds_are_failed_in_doubt_never_deleted_and_abandon_exits_1()
            throws IOException {
        stoppedRunWithDeletedReport();
        Cli.Result prune = cli("prune", "--before", Instant.now().toString());
        assertThat(prune.exitCode()).as(prune.toString()).isZero();

        Cli.Result abandon = cli("abandon", "--report", report.toString());

        assertThat(abandon.exitCode()).as(abandon.toString()).isEqualTo(ExitCodes.ROWS_FAILED);
        assertThat(abandon.out()).contains("could not be rebuilt").contains("look their IDs up at Polar");
        List<String> lines = Reports.lines(report);
        assertThat(lines).hasSize(ROWS);
        List<String> unknown = lines.stream().filter(line -> line.contains("ledger holds no answer")).toList();
        assertThat(unknown).isNotEmpty().allSatisfy(line -> assertThat(line).contains(",FAILED,,0,in doubt: ")
                .contains("Whether the customer was erased is unknown"));
        assertThat(lines).filteredOn(line -> line.contains(",DELETED,"))
                .as("only the journal's 204s: each row DELETED has its 204 recorded")
                .hasSize(ERASED - unknown.size())
                .allSatisfy(line -> assertThat(line).contains("after the run's last checkpoint"));
    }

    @Test
    void on_postgresql_abandon_rebuilds_the_report_from_the_ledger_and_the_journal() throws Exception {
        try (TestPostgres.Schema schema = TestPostgres.Schema.fresh()) {
            repository = List.of("--state-dir", dir.resolve("state").toString(), "--jdbc-url", schema.url());
            stoppedRunWithDeletedReport();

            Cli.Result abandon = cli("abandon", "--report", report.toString());

            assertThat(abandon.exitCode()).as(abandon.toString()).isEqualTo(ExitCodes.OK);
            List<String> lines = Reports.lines(report);
            assertThat(lines).hasSize(ROWS).anyMatch(line -> line.contains("rebuilt from the ledger"));
            assertThat(lines).filteredOn(line -> line.contains(",DELETED,204,")).hasSize(ERASED);
        }
    }

    @Test
    void another_file_refused_the_report_counts_the_answers_in_the_journal_on_h2() throws IOException {
        anotherFileIsToldOfTheJournalsAnswers();
    }

    @Test
    void another_file_refused_the_report_counts_the_answers_in_the_journal_on_postgresql() throws Exception {
        try (TestPostgres.Schema schema = TestPostgres.Schema.fresh()) {
            repository = List.of("--state-dir", dir.resolve("state").toString(), "--jdbc-url", schema.url());
            anotherFileIsToldOfTheJournalsAnswers();
        }
    }

    /** The refusal of another file for the stopped run's report says how many answers only its journal holds. */
    private void anotherFileIsToldOfTheJournalsAnswers() throws IOException {
        stoppedRun();
        int committed = Reports.lines(report).size();
        int sent = server.getRequestCount();
        Path other = Files.writeString(dir.resolve("other.csv"), "external_id\nusr_99\n", StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>(List.of("run", "--input", other.toString(), "--report", report.toString(),
                "--api-url", Cli.baseUrl(server), "--rate-limit", "1000/s"));
        args.addAll(repository);

        Cli.Result refused = Cli.run(ENV, args.toArray(String[]::new));

        assertThat(refused.exitCode()).as(refused.toString()).isNotZero();
        assertThat(refused.all()).contains("belongs to the run of " + input)
                .contains("and " + (ERASED - committed) + " answer(s) of Polar after its checkpoint kept only in its"
                        + " journal");
        assertThat(server.getRequestCount()).as("nothing sent").isEqualTo(sent);
    }

    private Cli.Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(repository);
        return Cli.run(ENV, all.toArray(String[]::new));
    }

    private String[] run() {
        List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--api-url",
                Cli.baseUrl(server), "--rate-limit", "1000/s", "--chunk-size", "5",
                "--concurrency", "1"));
        args.addAll(repository);
        return args.toArray(String[]::new);
    }
}
