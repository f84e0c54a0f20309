package io.polarerasure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.job.RunIdentity;
import io.polarerasure.kernel.Sha256;
import io.polarerasure.report.RunSummary;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The real jar against local stand-ins for Polar, driven through the mistakes operators make: the input
 * rewritten or renamed over while it runs, a sandbox trial before production, a file edited after a stop, the
 * same command from another folder, a state folder others could plant files in. Each report must still tell
 * exactly what happened.
 */
@Execution(ExecutionMode.CONCURRENT)
class OperatorMistakesIT {

    private static final int ROWS = 200;
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private final List<FakePolar> fakes = new ArrayList<>();
    /** The environment never names the real user's state folder. */
    @RegisterExtension
    final RealJar jar = new RealJar(() -> dir, RUN_TIMEOUT).env("POLAR_ERASURE_STATE_DIR", null)
            .env("XDG_STATE_HOME", null).env("POLAR_ACCESS_TOKEN", FakePolar.DEFAULT_TOKEN);

    @BeforeEach
    void home() {
        jar.env("HOME", dir.resolve("default-home").toString());
    }

    @AfterEach
    void stopFakes() {
        fakes.forEach(FakePolar::close);
    }

    @Test
    void an_input_rewritten_in_place_and_then_renamed_over_mid_run_changes_nothing() throws Exception {
        Workload workload = Workload.generate(new Random(101), ROWS);
        Path input = workload.write(dir);
        String sha256 = Sha256.of(input);
        FakePolar fake = fake(workload.existing, false);
        Path state = dir.resolve("state");
        Process run = jar.start(dir, Map.of(), "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--rate-limit", "40/s", "--chunk-size", "5", "--state-dir", state.toString());
        awaitRequests(fake, 20, run);
        // An export tool writing the next file under the same name: first in place, then by rename.
        Workload next = Workload.generate(new Random(202), ROWS);
        Files.writeString(input, csv(next), StandardCharsets.UTF_8);
        awaitRequests(fake, 60, run);
        Path renamed = Files.writeString(dir.resolve("next.tmp"), csv(Workload.generate(new Random(303), ROWS)));
        Files.move(renamed, input, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        assertThat(jar.finish(run)).as(jar.log()).isZero();

        Path report = dir.resolve("requests.audit.csv");
        assertThat(workload.verify(report, fake)).as("rows in doubt").isEmpty();
        Set<String> ours = new HashSet<>();
        workload.rows.forEach(row -> ours.add(row.externalId()));
        assertThat(fake.requests()).extracting(FakePolar.Request::externalId).as("no foreign ID sent")
                .allMatch(ours::contains);
        assertThat(RunSummary.read(RunSummary.pathFor(report)).inputSha256()).isEqualTo(sha256);
        assertThat(jar.run(dir, Map.of(), "verify", "--report", report.toString())).as(jar.log()).isZero();
        try (var files = Files.list(state)) {
            assertThat(files.map(path -> path.getFileName().toString()))
                    .as("the snapshot and journal of a completed run are gone")
                    .noneMatch(name -> name.startsWith("input-") || name.startsWith("journal-"));
        }
    }

    @Test
    void two_processes_with_two_state_folders_starting_the_same_file_at_once_send_each_row_once() throws Exception {
        Workload workload = Workload.generate(new Random(404), ROWS);
        Path input = workload.write(dir);
        FakePolar fake = fake(workload.existing, false);
        // A hand run next to the nightly with another --state-dir, or two pods on H2: the run's lock and lease live
        // in each one's own job repository, so only the report itself can tell them apart.
        Process first = jar.start(dir, Map.of(), "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--rate-limit", "20/s", "--state-dir", dir.resolve("state-a").toString());
        Process second = jar.start(dir, Map.of(), "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--rate-limit", "20/s", "--state-dir", dir.resolve("state-b").toString());

        List<Integer> codes = List.of(jar.finish(first), jar.finish(second));

        assertThat(codes).as(jar.log()).containsExactlyInAnyOrder(0, 2);
        Process refused = codes.get(0) == 2 ? first : second;
        assertThat(jar.log(refused)).contains("already exists and belongs to no run recorded")
                .contains("Nothing was sent");
        assertThat(fake.requests()).extracting(FakePolar.Request::externalId).as("each ID sent once")
                .doesNotHaveDuplicates();
        Path report = dir.resolve("requests.audit.csv");
        assertThat(workload.verify(report, fake)).as("rows in doubt").isEmpty();
        assertThat(jar.run(dir, Map.of(), "verify", "--report", report.toString())).as(jar.log()).isZero();
        for (String state : List.of("state-a", "state-b")) {
            try (Connection repository = DriverManager.getConnection("jdbc:h2:file:"
                    + dir.resolve(state).resolve("repository"), "sa", "");
                 ResultSet claims = repository.createStatement().executeQuery("SELECT COUNT(*) FROM"
                         + " erasure_report_claim")) {
                assertThat(claims.next()).isTrue();
                assertThat(claims.getLong(1)).as("claims left in " + state + ": the refused one gave its up").isZero();
            }
        }
    }

    @Test
    void a_sandbox_trial_is_another_run_than_production_and_never_stands_in_for_it() throws Exception {
        Workload workload = Workload.generate(new Random(404), ROWS);
        Path input = workload.write(dir);
        FakePolar sandbox = fake(workload.existing, true);
        FakePolar production = fake(workload.existing, false);
        String state = dir.resolve("state").toString();

        Process trial = jar.start(dir, Map.of(), "run", "--input", input.toString(), "--api-url", sandbox.baseUrl(),
                "--rate-limit", "40/s", "--chunk-size", "5", "--state-dir", state);
        awaitRequests(sandbox, 30, trial);
        trial.destroy();
        assertThat(jar.finish(trial)).as(jar.log()).isEqualTo(3);

        // The same command against production: the report belongs to the sandbox run, which is another run.
        assertThat(jar.run(dir, Map.of(), "run", "--input", input.toString(), "--api-url", production.baseUrl(),
                "--state-dir", state)).as(jar.log()).isEqualTo(2);
        assertThat(jar.lastLog()).contains("belongs to the run of " + input.toAbsolutePath())
                .contains("against " + sandbox.baseUrl()).contains("STOPPED").contains("abandon");
        assertThat(production.requests()).isEmpty();

        Path productionReport = dir.resolve("production.audit.csv");
        assertThat(jar.run(dir, Map.of(), "run", "--input", input.toString(), "--api-url", production.baseUrl(),
                "--rate-limit", "400/s", "--state-dir", state, "--report", productionReport.toString()))
                .as(jar.log()).isZero();
        assertThat(workload.verify(productionReport, production)).as("rows in doubt").isEmpty();
        RunSummary summary = RunSummary.read(RunSummary.pathFor(productionReport));
        assertThat(summary.apiBaseUrl()).isEqualTo(production.baseUrl());
        assertThat(summary.provenance().answeredBy()).startsWith("no X-Polar-Sandbox header")
                .endsWith("not one of Polar's hosts (not checked)");

        // The finished production run does not finish the sandbox trial either: it resumes on its own.
        assertThat(jar.run(dir, Map.of(), "run", "--input", input.toString(), "--api-url", sandbox.baseUrl(),
                "--rate-limit", "400/s", "--state-dir", state)).as(jar.log()).isZero();
        assertThat(workload.verify(dir.resolve("requests.audit.csv"), sandbox)).isEmpty();
        assertThat(RunSummary.read(RunSummary.pathFor(dir.resolve("requests.audit.csv"))).provenance().answeredBy())
                .startsWith("X-Polar-Sandbox: 1");
        assertThat(jar.run(dir, Map.of(), "status", "--state-dir", state)).isZero();
        assertThat(jar.lastLog()).contains(sandbox.baseUrl()).contains(production.baseUrl());
    }

    @Test
    void stop_edit_run_is_refused_truthfully_abandon_keeps_every_204_and_the_edited_file_runs_apart()
            throws Exception {
        Workload workload = Workload.generate(new Random(505), ROWS);
        Path input = workload.write(dir);
        String sha256 = Sha256.of(input);
        FakePolar fake = fake(workload.existing, false);
        String state = dir.resolve("state").toString();
        Path report = dir.resolve("requests.audit.csv");

        Process stopped = jar.start(dir, Map.of(), "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--rate-limit", "40/s", "--chunk-size", "5", "--state-dir", state);
        awaitRequests(fake, 40, stopped);
        stopped.destroy();
        assertThat(jar.finish(stopped)).as(jar.log()).isEqualTo(3);
        List<String> erasedByStopped = List.copyOf(fake.deletedIds());

        // A typo fixed in one row the run has not reached.
        String text = Files.readString(input);
        Workload.Row last = workload.rows.get(ROWS - 1);
        Files.writeString(input, text.replace("REQ-" + ROWS + "," + last.externalId(), "REQ-" + ROWS + ",fixed_id"));
        assertThat(jar.run(dir, Map.of(), "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--state-dir", state)).as(jar.log()).isEqualTo(2);
        assertThat(jar.lastLog()).contains("belongs to the run of " + input.toAbsolutePath())
                .contains("SHA-256 " + sha256).contains("STOPPED").contains("restore that file")
                .contains("abandon --report " + report.toAbsolutePath()).doesNotContain("belongs to no run");
        int sentBefore = fake.requests().size();

        assertThat(jar.run(dir, Map.of(), "abandon", "--report", report.toString(), "--state-dir", state,
                "--reason", "a typo was fixed; the corrected file is run instead")).as(jar.log()).isZero();
        assertThat(fake.requests()).as("abandon sends nothing").hasSize(sentBefore);
        List<Workload.Line> lines = Workload.read(report);
        assertThat(lines).extracting(Workload.Line::row)
                .containsExactlyElementsOf(workload.rows.stream().map(Workload.Row::number).toList());
        for (Workload.Line line : lines) {
            if (erasedByStopped.contains(line.externalId())) {
                assertThat(line.outcome()).as("row %d: its 204 is in the report", line.row()).isIn("DELETED",
                        "DUPLICATE");
            } else {
                assertThat(line.outcome()).as("row %d", line.row()).isNotEqualTo("DELETED");
            }
        }
        assertThat(lines).filteredOn(line -> line.outcome().equals("DELETED")).hasSize(erasedByStopped.size());
        assertThat(lines).extracting(Workload.Line::outcome).contains("NOT_SENT");
        assertThat(jar.run(dir, Map.of(), "verify", "--report", report.toString())).as(jar.log()).isZero();
        assertThat(jar.lastLog()).contains("INTACT").contains("abandoned: a typo was fixed");
        RunSummary summary = RunSummary.read(RunSummary.pathFor(report));
        assertThat(summary.state()).isEqualTo("ABANDONED");
        assertThat(Files.readString(Path.of(report + ".summary.html"))).contains("ABANDONED", "NOT_SENT");

        Path edited = dir.resolve("edited.audit.csv");
        assertThat(jar.run(dir, Map.of(), "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--rate-limit", "400/s", "--state-dir", state, "--report", edited.toString())).as(jar.log()).isZero();
        assertThat(Workload.read(edited)).hasSize(ROWS);
        assertThat(jar.run(dir, Map.of(), "status", "--state-dir", state)).isZero();
        assertThat(jar.lastLog()).contains("ABANDONED").contains("COMPLETED");
    }

    @Test
    void abandoning_a_killed_run_reports_requests_without_a_recorded_answer_as_possibly_erased() throws Exception {
        Workload workload = Workload.generate(new Random(808), ROWS);
        Path input = workload.write(dir);
        FakePolar fake = fake(workload.existing, false);
        String state = dir.resolve("state").toString();
        Path report = dir.resolve("requests.audit.csv");
        Process killed = jar.start(dir, Map.of(), "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--rate-limit", "100/s", "--chunk-size", "5", "--state-dir", state);
        awaitRequests(fake, 50, killed);
        RealJar.kill(killed);
        List<String> erased = List.copyOf(fake.deletedIds());

        assertThat(jar.run(dir, Map.of(), "abandon", "--report", report.toString(), "--state-dir", state)).as(jar.log())
                .isZero();
        List<Workload.Line> lines = Workload.read(report);
        assertThat(lines).hasSize(ROWS);
        for (Workload.Line line : lines) {
            if (line.outcome().equals("DELETED")) {
                assertThat(erased).as("row %d DELETED without a 204", line.row()).contains(line.externalId());
            } else if (erased.contains(line.externalId()) && !line.outcome().equals("DUPLICATE")) {
                assertThat(line.outcome()).as("row %d: erased, so its line must say it may have been", line.row())
                        .isEqualTo("FAILED");
                assertThat(line.detail()).contains("may have erased the customer");
            }
        }
        assertThat(jar.run(dir, Map.of(), "verify", "--report", report.toString())).as(jar.log()).isZero();
        // Closed for good: the same command sends nothing and says so.
        int sent = fake.requests().size();
        assertThat(jar.run(dir, Map.of(), "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--state-dir", state)).as(jar.log()).isZero();
        assertThat(jar.lastLog()).contains("was abandoned").contains("--rerun");
        assertThat(fake.requests()).hasSize(sent);
        assertThat(jar.run(dir, Map.of(), "abandon", "--report", report.toString(), "--state-dir", state)).isEqualTo(2);
        assertThat(jar.lastLog()).contains("ABANDONED already");
    }

    @Test
    void the_same_command_from_two_folders_finds_the_same_run_in_the_default_state_folder() throws Exception {
        Workload workload = Workload.generate(new Random(606), ROWS);
        Path input = workload.write(dir);
        FakePolar fake = fake(workload.existing, false);
        Path home = Files.createDirectories(dir.resolve("home"));
        Map<String, String> environment = Map.of("HOME", home.toString());
        Path first = Files.createDirectories(dir.resolve("first"));
        Path second = Files.createDirectories(dir.resolve("second"));

        Process run = jar.start(first, environment, "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--rate-limit", "40/s", "--chunk-size", "5");
        awaitRequests(fake, 30, run);
        run.destroy();
        assertThat(jar.finish(run)).as(jar.log()).isEqualTo(3);

        assertThat(jar.run(second, environment, "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--rate-limit", "400/s")).as(jar.log()).isZero();
        assertThat(jar.lastLog()).contains("job repository: " + home.resolve(".local/state/polar-erasure/repository"));
        assertThat(workload.verify(dir.resolve("requests.audit.csv"), fake)).as("rows in doubt").isEmpty();
        Path state = home.resolve(".local/state/polar-erasure");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rwx------");
        assertThat(first.resolve(".polar-erasure")).doesNotExist();
        assertThat(second.resolve(".polar-erasure")).doesNotExist();
    }

    @Test
    void settings_files_in_the_working_folder_never_move_the_job_repository_and_a_moved_one_is_named() throws Exception {
        Workload workload = Workload.generate(new Random(808), 20);
        Path input = workload.write(dir);
        FakePolar fake = fake(workload.existing, false);
        // Another program's Spring settings in the folder the operator happens to run from.
        Path elsewhere = dir.resolve("elsewhere");
        String url = "jdbc:h2:file:" + elsewhere.resolve("repository");
        Files.writeString(dir.resolve("application.properties"), "spring.datasource.url=" + url + "\n");
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config/application.properties"), "spring.datasource.url=" + url + "\n");
        Path state = dir.resolve("state");

        assertThat(jar.run(dir, Map.of(), "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--rate-limit", "400/s", "--state-dir", state.toString())).as(jar.log()).isZero();
        assertThat(jar.lastLog()).contains("job repository: " + state.resolve("repository"));
        assertThat(state.resolve("repository.mv.db")).exists();
        assertThat(elsewhere).doesNotExist();

        // Given to the process itself (a system property, as JAVA_TOOL_OPTIONS gives it), it moves the repository,
        // and the run names the one it used, in its output and in the summary kept with the report.
        Path second = Files.createDirectories(dir.resolve("second"));
        Path report = second.resolve("requests.audit.csv");
        assertThat(jar.run(dir, Map.of("JAVA_TOOL_OPTIONS", "-Dspring.datasource.url=" + url), "run", "--input",
                Workload.generate(new Random(809), 20).write(second).toString(), "--api-url", fake.baseUrl(),
                "--rate-limit", "400/s", "--state-dir", state.toString(), "--report", report.toString()))
                .as(jar.log()).isZero();
        assertThat(jar.lastLog()).contains("job repository: " + url);
        assertThat(elsewhere.resolve("repository.mv.db")).exists();
        assertThat(RunSummary.pathFor(report)).content().contains("\"" + url + "\"");
    }

    @Test
    void a_planted_state_folder_is_refused_and_a_symlink_at_the_journal_path_is_not_followed() throws Exception {
        Workload workload = Workload.generate(new Random(707), 40);
        Path input = workload.write(dir);
        FakePolar fake = fake(workload.existing, false);

        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(jar.run(dir, Map.of(), "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--state-dir", shared.toString())).as(jar.log()).isEqualTo(2);
        assertThat(jar.lastLog()).contains("Refusing the state folder").contains("mode 0777");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared))).isEqualTo("rwxrwxrwx");
        assertThat(fake.requests()).isEmpty();

        Path state = Files.createDirectory(dir.resolve("state"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path victim = Files.writeString(dir.resolve("victim.txt"), "keep me\n");
        String key = new RunIdentity(Sha256.of(input), fake.baseUrl()).key();
        Files.createSymbolicLink(state.resolve("journal-" + key + ".log.new"), victim);

        assertThat(jar.run(dir, Map.of(), "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--rate-limit", "400/s", "--state-dir", state.toString())).as(jar.log()).isZero();
        assertThat(victim).hasContent("keep me");
        assertThat(workload.verify(dir.resolve("requests.audit.csv"), fake)).isEmpty();
    }

    @Test
    void a_wrong_endpoint_stops_with_exit_4_and_the_same_command_with_the_right_url_takes_the_report_over()
            throws Exception {
        Workload workload = Workload.generate(new Random(909), ROWS);
        Path input = workload.write(dir);
        // A web page where the API should be: every request answered 200 text/html (until the queue runs dry).
        FakePolar webPage = fake(Set.of(), false);
        for (int i = 0; i < 100; i++) {
            webPage.enqueueFault(new FakePolar.Fault.Respond(new FakePolar.Answer(200, "text/html; charset=utf-8",
                    "<!doctype html><html><body>Welcome to our shop</body></html>", Map.of())));
        }
        FakePolar polar = fake(workload.existing, false);
        String state = dir.resolve("state").toString();
        Path report = dir.resolve("requests.audit.csv");

        assertThat(jar.run(dir, Map.of(), "run", "--input", input.toString(), "--api-url", webPage.baseUrl(),
                "--rate-limit", "400/s", "--state-dir", state)).as(jar.log()).isEqualTo(4);
        assertThat(jar.lastLog()).contains("HTTP 200 text/html").contains("web page");
        assertThat(webPage.received()).as("requests before the stop").isBetween(1, 9);
        assertThat(Workload.read(report)).as("nothing marked").extracting(Workload.Line::outcome)
                .allMatch(outcome -> outcome.equals("INVALID") || outcome.equals("DUPLICATE"));

        assertThat(jar.run(dir, Map.of(), "run", "--input", input.toString(), "--api-url", polar.baseUrl(),
                "--rate-limit", "400/s", "--state-dir", state)).as(jar.log()).isZero();
        assertThat(jar.lastLog()).contains("took over from run").contains("against " + webPage.baseUrl())
                .contains("wrong --api-url?");
        assertThat(Workload.read(report)).hasSize(ROWS).extracting(Workload.Line::outcome)
                .doesNotContain("FAILED", "NOT_SENT");
        assertThat(workload.verify(report, polar)).as("rows in doubt").isEmpty();
        assertThat(webPage.received()).as("nothing more sent to the wrong endpoint").isBetween(1, 9);
        RunSummary summary = RunSummary.read(RunSummary.pathFor(report));
        assertThat(summary.apiBaseUrl()).isEqualTo(polar.baseUrl());
        assertThat(summary.provenance().tookOver()).contains("took over from run");
        assertThat(jar.run(dir, Map.of(), "verify", "--report", report.toString())).as(jar.log()).isZero();
    }

    private FakePolar fake(Set<String> existing, boolean sandbox) throws IOException {
        FakePolar fake = FakePolar.builder().customers(existing).latencyMillis(2).rateLimit(1_000_000)
                .sandbox(sandbox).build().start();
        fakes.add(fake);
        return fake;
    }

    private static String csv(Workload workload) throws IOException {
        Path scratch = Files.createTempDirectory("workload");
        try {
            return Files.readString(workload.write(scratch));
        } finally {
            Files.deleteIfExists(scratch.resolve("requests.csv"));
            Files.deleteIfExists(scratch);
        }
    }

    private void awaitRequests(FakePolar fake, int count, Process run) {
        assertThat(jar.awaitRequests(fake, count, run)).as("the run ended before %d requests:%n%s", count, jar.log())
                .isTrue();
    }
}
