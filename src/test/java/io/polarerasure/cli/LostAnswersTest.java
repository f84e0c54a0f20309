package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.polarerasure.Reports;
import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.report.Outcome;
import io.polarerasure.report.RunSummary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Answers lost after Polar committed (a dropped connection, an edge's 504), in process against FakePolar: no
 * customer who took a freed ID is erased, every such row says so, attempts count the DELETEs Polar received,
 * and the ledger answers {@code lookup}.
 */
class LostAnswersTest {

    private static final String TOKEN = "test-token";
    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", TOKEN);
    private static final int ROWS = 200;

    @TempDir
    Path dir;

    private FakePolar polar;

    @AfterEach
    void stopPolar() {
        if (polar != null) {
            polar.close();
        }
    }

    /** One report line: "row,id,outcome,status,attempts,detail". */
    private record Line(long row, String id, String outcome, String status, int attempts, String detail) {

        static Line parse(String text) {
            String[] f = text.split(",", 6);
            return new Line(Long.parseLong(f[0]), f[1], f[2], f[3], Integer.parseInt(f[4]), f[5]);
        }

        boolean inDoubt() {
            return detail.startsWith("in doubt: ");
        }
    }

    private Path requests(String name, List<String> ids) throws IOException {
        return Files.writeString(dir.resolve(name), "external_id\n" + String.join("\n", ids) + "\n",
                StandardCharsets.UTF_8);
    }

    private static List<String> ids(String prefix, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    private Cli.Result run(Path input, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--api-url", polar.baseUrl(),
                "--state-dir", dir.resolve("state").toString(), "--rate-limit", "1000/s"));
        args.addAll(List.of(extra));
        return Cli.run(ENV, args.toArray(String[]::new));
    }

    private static List<Line> report(Path input) throws IOException {
        Path report = input.resolveSibling(input.getFileName().toString().replace(".csv", ".audit.csv"));
        return Reports.lines(report).stream().map(Line::parse).toList();
    }

    /** DELETEs the fake received per external ID (by external ID or by customer id), 429s excluded. */
    private Map<String, Integer> deletesReceived() {
        Map<String, Integer> deletes = new HashMap<>();
        for (FakePolar.Request request : polar.requests()) {
            if (request.method().equals("DELETE") && request.status() != 429) {
                deletes.merge(request.externalId(), 1, Integer::sum);
            }
        }
        return deletes;
    }

    /** IDs whose DELETE (by external ID) erased the customer and lost its answer: dropped, or an edge 504. */
    private Set<String> lostAnswers() {
        Set<String> lost = new LinkedHashSet<>();
        for (FakePolar.Request request : polar.requests()) {
            if (request.method().equals("DELETE") && (request.status() == 0 || request.status() == 504)) {
                lost.add(request.externalId());
            }
        }
        return lost;
    }

    @Test
    void lost_answers_with_freed_ids_taken_at_once_never_erase_the_new_customer_and_are_review() throws IOException {
        List<String> ids = ids("cus_", ROWS);
        polar = FakePolar.builder().token(TOKEN).customers(Set.copyOf(ids)).recreateFreedIds(Duration.ZERO)
                .lostAnswerRate(0.1).gatewayTimeoutRate(0.05).seed(7).build().start();
        Path input = requests("requests.csv", ids);

        Cli.Result result = run(input, "--concurrency", "4");

        assertThat(result.exitCode()).as("REVIEW rows make the run exit 1: " + result.all())
                .isEqualTo(ExitCodes.ROWS_FAILED);
        assertThat(polar.erasedCustomers()).as("only customers that existed before the run were erased")
                .allSatisfy(c -> assertThat(c.createdAt()).isEqualTo(FakePolar.SEEDED_CREATED_AT))
                .extracting(FakePolar.Customer::externalId).doesNotHaveDuplicates();
        Set<String> lost = lostAnswers();
        assertThat(lost).as("the fake lost some answers").hasSizeGreaterThan(10);
        Map<String, Integer> deletes = deletesReceived();
        List<Line> lines = report(input);
        assertThat(lines).hasSize(ROWS);
        for (Line line : lines) {
            assertThat(line.attempts()).as("row %d: attempts are the DELETEs Polar received", line.row())
                    .isEqualTo(deletes.get(line.id()));
            if (lost.contains(line.id())) {
                assertThat(line.outcome()).as("row %d", line.row()).isEqualTo("REVIEW");
                assertThat(line.inDoubt()).isTrue();
                assertThat(line.detail()).contains("left alone").contains("1 look-up");
                assertThat(polar.customer(line.id())).as("row %d: the new customer is untouched", line.row())
                        .hasValueSatisfying(c -> assertThat(c.createdAt()).isAfter(FakePolar.SEEDED_CREATED_AT));
            } else {
                assertThat(line.outcome()).as("row %d", line.row()).isEqualTo("DELETED");
                assertThat(line.attempts()).isEqualTo(1);
                assertThat(line.inDoubt()).isFalse();
            }
        }
        RunSummary summary = RunSummary.read(dir.resolve("requests.audit.csv.summary.json"));
        assertThat(summary.counts().get(Outcome.REVIEW)).isEqualTo(lost.size());
        assertThat(summary.counts().inDoubt()).isEqualTo(lost.size());
        String page = Files.readString(dir.resolve("requests.audit.csv.summary.html"));
        assertThat(page.indexOf("REVIEW</td>")).as("REVIEW rows listed before the others")
                .isPositive().isLessThan(page.indexOf("Rows that need attention: FAILED"));
        String state = dir.resolve("state").toString();
        assertThat(Cli.run(Map.of(), "status", "--state-dir", state).out())
                .contains("REVIEW " + lost.size()).contains(lost.size() + " after a lost answer (in doubt)");
        Cli.Result retry = Cli.run(Map.of(), "retry-failed", "--report", dir.resolve("requests.audit.csv").toString());
        assertThat(retry.exitCode()).as(retry.all()).isEqualTo(ExitCodes.OK);
        assertThat(retry.out()).as("REVIEW rows are never resent").contains("no FAILED or NOT_SENT row");
    }

    @Test
    void lost_answers_without_reuse_end_not_found_with_the_note_and_a_504_after_commit_is_noted() throws IOException {
        List<String> ids = ids("usr_", 40);
        polar = FakePolar.builder().token(TOKEN).customers(Set.copyOf(ids)).lostAnswerRate(0.15).seed(3).build()
                .start();
        polar.enqueueFault(FakePolar.Fault.gatewayTimeoutAfterCommit());
        Path input = requests("requests.csv", ids);

        Cli.Result result = run(input, "--concurrency", "1");

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.OK);
        Set<String> lost = lostAnswers();
        assertThat(lost).contains("usr_1").hasSizeGreaterThan(2);
        Map<String, Integer> deletes = deletesReceived();
        for (Line line : report(input)) {
            assertThat(line.attempts()).as("row %d", line.row()).isEqualTo(deletes.get(line.id()));
            if (lost.contains(line.id())) {
                assertThat(line.outcome()).as("row %d", line.row()).isEqualTo("NOT_FOUND");
                assertThat(line.detail()).startsWith("in doubt: ").contains("most likely erased the customer")
                        .contains("1 look-up");
            } else {
                assertThat(line.outcome()).as("row %d", line.row()).isEqualTo("DELETED");
                assertThat(line.inDoubt()).isFalse();
            }
        }
        assertThat(report(input).get(0).detail()).as("the 504 after commit").contains("HTTP 504");
        assertThat(polar.erasedCustomers()).hasSize(ids.size());
    }

    @Test
    void the_ledger_answers_lookup_and_a_later_run_names_the_earlier_erasure() throws IOException {
        polar = FakePolar.builder().token(TOKEN).customers(Set.of("usr_1", "usr_2")).build().start();
        Path first = requests("first.csv", List.of("usr_1", "nobody"));
        assertThat(run(first).exitCode()).isEqualTo(ExitCodes.OK);
        Path second = requests("second.csv", List.of("usr_2", "usr_1"));

        Cli.Result later = run(second);

        assertThat(later.exitCode()).as(later.all()).isEqualTo(ExitCodes.OK);
        Line again = report(second).get(1);
        assertThat(again.outcome()).isEqualTo("NOT_FOUND");
        assertThat(again.detail()).contains("this tool erased this external ID earlier at this API: 204 at")
                .contains("row 1 of the report " + dir.resolve("first.audit.csv").toAbsolutePath());

        String state = dir.resolve("state").toString();
        Cli.Result erased = Cli.run(Map.of(), "lookup", "--id", "usr_1", "--state-dir", state, "--api-url",
                polar.baseUrl());
        assertThat(erased.exitCode()).as(erased.all()).isEqualTo(ExitCodes.OK);
        assertThat(erased.out()).contains("\"usr_1\": erased at " + polar.baseUrl() + " (not a Polar host), 2 entries")
                .containsPattern("DELETED +204 +" + polar.baseUrl() + " +run \\d+ \\(input SHA-256 [0-9a-f]{64}\\)"
                        + " row 1 +report "
                        + dir.resolve("first.audit.csv").toAbsolutePath())
                .contains("NOT_FOUND").contains(dir.resolve("second.audit.csv").toAbsolutePath().toString());

        Path idsFile = Files.writeString(dir.resolve("ids.txt"), "usr_2\nnobody\nnever-sent\n");
        Cli.Result mixed = Cli.run(Map.of(), "lookup", "--ids-file", idsFile.toString(), "--state-dir", state,
                "--api-url", polar.baseUrl() + "/");
        assertThat(mixed.exitCode()).as(mixed.all()).isEqualTo(ExitCodes.ROWS_FAILED);
        assertThat(mixed.out()).contains("\"usr_2\": erased at " + polar.baseUrl())
                .contains("\"nobody\": no erasure recorded at " + polar.baseUrl() + " (not a Polar host), 1 entry")
                .contains("\"never-sent\": no entry in the ledger").contains("1 of 3 IDs with a recorded erasure");
        Cli.Result production = Cli.run(Map.of(), "lookup", "--id", "usr_1", "--state-dir", state);
        assertThat(production.exitCode()).as("the default is Polar's production API").isEqualTo(ExitCodes.ROWS_FAILED);
        assertThat(production.out()).contains("no erasure recorded at https://api.polar.sh (production); erased only at"
                + " another API, see below");

        assertThat(Cli.run(Map.of(), "lookup", "--state-dir", state).exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run(Map.of(), "lookup", "--ids-file", dir.resolve("missing.txt").toString(), "--state-dir",
                state).exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void an_erasure_at_one_api_is_never_told_as_an_erasure_at_another() throws IOException {
        // A trial against one API (as the sandbox would be) erases usr_1; the same ID at another API is not found.
        polar = FakePolar.builder().token(TOKEN).customers(Set.of("usr_1")).build().start();
        Path trial = requests("trial.csv", List.of("usr_1"));
        assertThat(run(trial).exitCode()).isEqualTo(ExitCodes.OK);
        String trialApi = polar.baseUrl();
        polar.close();
        polar = FakePolar.builder().token(TOKEN).customers(Set.of()).build().start();
        Path real = requests("real.csv", List.of("usr_1"));

        Cli.Result result = run(real);

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.OK);
        assertThat(report(real).get(0).outcome()).isEqualTo("NOT_FOUND");
        assertThat(report(real).get(0).detail()).doesNotContain("erased this external ID earlier");
        String state = dir.resolve("state").toString();
        Cli.Result here = Cli.run(Map.of(), "lookup", "--id", "usr_1", "--state-dir", state, "--api-url",
                polar.baseUrl());
        assertThat(here.exitCode()).as(here.all()).isEqualTo(ExitCodes.ROWS_FAILED);
        assertThat(here.out()).contains("no erasure recorded at " + polar.baseUrl()).contains("erased only at another API")
                .containsPattern("DELETED +204 +" + trialApi).containsPattern("NOT_FOUND +404 +" + polar.baseUrl());
        assertThat(Cli.run(Map.of(), "lookup", "--id", "usr_1", "--state-dir", state, "--api-url", trialApi)
                .exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(Cli.run(Map.of(), "lookup", "--id", "usr_1", "--state-dir", state, "--sandbox", "--api-url",
                trialApi).exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(here.out()).as("no run unfinished").doesNotContain("unfinished");

        // A run refused by Polar (a wrong token) stays unfinished: its answers since the checkpoint are not in the
        // ledger yet, and lookup says so.
        Path stopped = requests("stopped.csv", List.of("usr_2"));
        Cli.Result refused = Cli.run(Map.of("POLAR_ACCESS_TOKEN", "polar_oat_wrong"), "run", "--input",
                stopped.toString(), "--api-url", polar.baseUrl(), "--state-dir", state, "--rate-limit", "1000/s");
        assertThat(refused.exitCode()).as(refused.all()).isNotZero();
        Cli.Result noted = Cli.run(Map.of(), "lookup", "--id", "usr_2", "--state-dir", state, "--api-url",
                polar.baseUrl());
        assertThat(noted.out()).contains("Note: the run of " + stopped.toAbsolutePath() + " against "
                + polar.baseUrl()).contains("is unfinished").contains("resumed (the same command again)");
    }

    @Test
    void prune_deletes_older_ledger_entries_and_finished_runs_state_but_never_reports() throws IOException {
        polar = FakePolar.builder().token(TOKEN).customers(Set.of("usr_1")).build().start();
        Path input = requests("requests.csv", List.of("usr_1"));
        assertThat(run(input).exitCode()).isEqualTo(ExitCodes.OK);
        String state = dir.resolve("state").toString();

        assertThat(Cli.run(Map.of(), "prune", "--before", "2999-01-01", "--state-dir", state).exitCode())
                .as("a date in the future").isEqualTo(ExitCodes.USAGE);
        Cli.Result kept = Cli.run(Map.of(), "prune", "--before", "2020-01-01", "--state-dir", state);
        assertThat(kept.out()).contains("Deleted 0 ledger entries").contains("0 finished runs");
        Cli.Result pruned = Cli.run(Map.of(), "prune", "--before", Instant.now().toString(), "--state-dir", state);

        assertThat(pruned.exitCode()).as(pruned.all()).isEqualTo(ExitCodes.OK);
        assertThat(pruned.out()).contains("Deleted 1 ledger entry").contains("state of 1 finished run;");
        assertThat(Cli.run(Map.of(), "lookup", "--id", "usr_1", "--state-dir", state).exitCode())
                .isEqualTo(ExitCodes.ROWS_FAILED);
        assertThat(Cli.run(Map.of(), "status", "--state-dir", state).out()).contains("No runs recorded");
        assertThat(dir.resolve("requests.audit.csv")).exists();
        try (var files = Files.list(dir.resolve("state"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("run-")
                    || n.startsWith("journal-"));
        }
    }
}
