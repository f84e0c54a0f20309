package io.polarerasure.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.polarerasure.RealJar;
import io.polarerasure.fakepolar.FakePolar;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * jobs/nightly.sh end to end, night after night, with the packaged jar against the fake Polar on loopback:
 * a good file, a file with invalid rows and a file whose run Polar interrupts (token refused part-way) on the
 * first night; the interrupted run resumed on the second; FAILED rows retried through a retry file.
 */
class NightlyScriptIT {

    private static final Path SCRIPT = Path.of("jobs/nightly.sh").toAbsolutePath();
    private static final Path JAR = RealJar.JAR;
    /** The script finds jobs/ and target/ from the checkout, as an operator's cron line would from its folder. */
    private static final Path CHECKOUT = Path.of("").toAbsolutePath();
    private static final List<String> C_IDS = IntStream.rangeClosed(1, 30).mapToObj(i -> "usr_c" + i).toList();

    @TempDir
    Path home;
    FakePolar polar;
    Path inbox;

    // The jar's own JVM options come from JAVA_TOOL_OPTIONS, as the script's runs get them.
    @RegisterExtension
    final RealJar jar = new RealJar(() -> home.resolve("logs"), Duration.ofSeconds(120)).jvmOptions()
            .env("POLAR_ERASURE_JAR", JAR.toString())
            .env("POLAR_ERASURE_JAVA", RealJar.JAVA)
            .env("POLAR_ERASURE_MIN_AGE", "0")
            .env("POLAR_ERASURE_PROGRESS", "0")
            .env("POLAR_ACCESS_TOKEN", FakePolar.DEFAULT_TOKEN)
            .env("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1");

    @BeforeEach
    void start() throws IOException {
        Set<String> live = new HashSet<>(List.of("usr_a1", "usr_a2", "usr_a3", "usr_b1", "usr_d1", "usr_d2"));
        live.addAll(C_IDS);
        polar = FakePolar.builder().customers(live).build().start();
        inbox = Files.createDirectories(home.resolve("inbox"));
        Files.createDirectories(metrics().getParent());
        jar.env("POLAR_ERASURE_HOME", home.toString())
                // Never the real user's default state folder, also for commands the script does not give --state-dir.
                .env("POLAR_ERASURE_STATE_DIR", home.resolve("state").toString())
                .env("POLAR_ERASURE_METRICS_FILE", metrics().toString());
    }

    /** Where the runs write their Prometheus metrics, as node_exporter's textfile collector would read them. */
    private Path metrics() {
        return home.resolve("textfile/polar_erasure.prom");
    }

    @AfterEach
    void stop() {
        polar.close();
    }

    @Test
    void files_runs_resumes_and_retries_the_inbox_night_after_night() throws Exception {
        Instant old = Instant.now().minus(Duration.ofHours(1));
        drop("a-good.csv", "external_id\nusr_a1\nusr_a2\nusr_a3\nusr_a4\n", old);
        drop("b-invalid.csv", "external_id,note\nusr_b1,ok\nteam/x,slash\n..,dots\n,empty\nusr_b1,again\n",
                old.plusSeconds(1));
        drop("c-interrupted.csv", "external_id\n" + String.join("\n", C_IDS) + "\n", old.plusSeconds(2));
        // a and b send 5 requests; c gets two chunks of 5 through, then Polar refuses the token.
        for (int i = 0; i < 15; i++) {
            polar.enqueueFault(new FakePolar.Fault.Delay(Duration.ZERO));
        }
        polar.enqueueFault(new FakePolar.Fault.Respond(new FakePolar.Answer(401, "application/json",
                "{\"error\":\"invalid_token\",\"error_description\":\"revoked\"}", Map.of())));

        Night first = night();

        assertThat(first.code()).as(first.output()).isEqualTo(4);
        assertThat(first.output()).contains("0 unfinished run(s) to resume, 3 new file(s)",
                "Polar refused the token or the URL: no further file is run tonight");
        Path aDone = filed("a-good.csv");
        assertThat(aDone.resolve("a-good.audit.csv")).content().contains("usr_a4,NOT_FOUND");
        assertThat(aDone.resolve("a-good.audit.csv.summary.json")).exists();
        assertThat(filed("b-invalid.csv").resolve("b-invalid.audit.csv")).content()
                .contains("team/x,INVALID", "..,INVALID", "usr_b1,DUPLICATE");
        assertThat(inbox.resolve("c-interrupted.csv")).doesNotExist();
        assertThat(home.resolve("work/inputs/c-interrupted.csv")).as("the unfinished run's file, out of the inbox")
                .exists();
        Path cReport = home.resolve("work/c-interrupted.audit.csv");
        assertThat(Files.readAllLines(cReport)).hasSize(11);
        assertThat(Path.of(cReport + ".summary.json")).content().contains("\"complete\": false", "\"exit_code\": 4");
        assertThat(run("verify", "--report", cReport.toString()).code()).isZero();
        // The tool leaves resuming to the script, and says so; the last run's metrics show the refusal.
        assertThat(first.output()).contains("a fixed token resumes the run at the next nightly run; a corrected"
                + " --api-url or --sandbox is another run")
                .doesNotContainIgnoringCase("re-run the same command").doesNotContain("run the same command again");
        assertThat(Files.readAllLines(metrics())).contains("polar_erasure_last_run_exit_code 4.0",
                "polar_erasure_last_run_rows{outcome=\"DELETED\"} 10.0")
                .anyMatch(line -> line.startsWith("polar_erasure_last_success_time_seconds "));

        Night second = night();

        assertThat(second.code()).as(second.output()).isZero();
        assertThat(second.output()).contains("1 unfinished run(s) to resume, 0 new file(s)");
        Path cDone = filed("c-interrupted.csv");
        assertThat(Files.readAllLines(cDone.resolve("c-interrupted.audit.csv")).stream().skip(1)
                .map(line -> line.split(",")[1] + " " + line.split(",")[2]))
                .containsExactlyElementsOf(C_IDS.stream().map(id -> id + " DELETED").toList());
        assertThat(polar.deletedIds()).filteredOn(id -> id.startsWith("usr_c"))
                .containsExactlyInAnyOrderElementsOf(C_IDS);
        assertThat(polar.requests()).filteredOn(request -> request.status() == 204).hasSize(3 + 1 + 30);
        Night check = run("verify", "--report", cDone.resolve("c-interrupted.audit.csv").toString());
        assertThat(check.code()).as(check.output()).isZero();
        assertThat(inbox).isEmptyDirectory();
        assertThat(Files.readAllLines(metrics())).contains("polar_erasure_last_run_exit_code 0.0",
                "polar_erasure_last_run_rows{outcome=\"DELETED\"} 30.0", "polar_erasure_last_run_rows{outcome=\"FAILED\"} 0.0");

        drop("d-flaky.csv", "external_id\nusr_d1\nusr_d2\n", old);
        // One request at a time, the first answered by Polar: a 503 before any answer of Polar's API is an edge
        // answer that spends no attempt, so the flaky 503 comes second.
        moreRunOptions = " --concurrency 1";
        polar.enqueueFault(new FakePolar.Fault.Delay(Duration.ZERO));
        polar.enqueueFault(new FakePolar.Fault.Respond(new FakePolar.Answer(503, "text/html", "down", Map.of())));

        Night third = night();

        assertThat(third.code()).as(third.output()).isEqualTo(1);
        List<Path> retries;
        try (Stream<Path> files = Files.list(inbox)) {
            retries = files.toList();
        }
        assertThat(retries).singleElement().satisfies(retry -> {
            assertThat(retry.getFileName().toString()).matches("d-flaky\\.retry-\\d{14}\\.csv");
            assertThat(Files.readAllLines(retry)).hasSize(2).first().isEqualTo("external_id,original_row,retry_of,original_report,in_doubt_since,original_api_url");
            Files.setLastModifiedTime(retry, FileTime.from(old));
        });

        Night fourth = night();

        assertThat(fourth.code()).as(fourth.output()).isZero();
        assertThat(polar.deletedIds()).contains("usr_d1", "usr_d2");
        assertThat(inbox).isEmptyDirectory();
    }

    @Test
    void a_same_name_export_arriving_mid_run_runs_the_next_night_and_an_identical_file_dropped_again_is_not_run()
            throws Exception {
        Instant old = Instant.now().minus(Duration.ofHours(1));
        drop("export.csv", "external_id\nusr_a1\nusr_a2\n", old);
        // The first request takes long enough for the next export to arrive while the run holds the file.
        polar.enqueueFault(new FakePolar.Fault.Delay(Duration.ofSeconds(3)));
        Process night = nightProcess();
        await("the night took the file out of the inbox").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20)).until(() -> !Files.exists(inbox.resolve("export.csv")));
        drop("export.csv", "external_id\nusr_b1\n", old);
        Night first = finish(night);

        assertThat(first.code()).as(first.output()).isZero();
        assertThat(filed("export.csv").resolve("export.audit.csv")).content()
                .contains("usr_a1,DELETED", "usr_a2,DELETED").doesNotContain("usr_b1");
        assertThat(inbox.resolve("export.csv")).as("the new export waits for the next night")
                .content().contains("usr_b1");
        assertThat(polar.requests()).extracting(FakePolar.Request::externalId).doesNotContain("usr_b1");

        Night second = night();

        assertThat(second.code()).as(second.output()).isZero();
        assertThat(polar.deletedIds()).contains("usr_b1");
        assertThat(inbox).isEmptyDirectory();

        drop("export-again.csv", "external_id\nusr_a1\nusr_a2\n", old);
        int sent = polar.requests().size();

        Night third = night();

        assertThat(third.code()).as(third.output()).isZero();
        assertThat(third.output()).contains("already completed", "had already been run", "--rerun");
        assertThat(polar.requests()).as("nothing sent for a file run before").hasSize(sent);
        Path again = filed("export-again.csv");
        assertThat(again.getFileName().toString()).contains("-again-");
        assertThat(again).as("no report is claimed for it").isDirectoryNotContaining("glob:**.audit.csv");
        assertThat(inbox).isEmptyDirectory();
    }

    @Test
    void a_second_nightly_run_exits_at_once_while_the_first_holds_the_lock() throws Exception {
        Path lock = Files.createDirectories(home.resolve("state")).resolve("nightly.lock");
        Process holder = new ProcessBuilder("flock", lock.toString(), "sleep", "60").start();
        try {
            awaitHeld(lock);
            drop("a-good.csv", "external_id\nusr_a1\n", Instant.now().minusSeconds(3600));

            Night blocked = night();

            assertThat(blocked.code()).as(blocked.output()).isEqualTo(3);
            assertThat(blocked.output()).contains("another nightly run holds");
            assertThat(inbox.resolve("a-good.csv")).exists();
            assertThat(polar.requests()).isEmpty();
        } finally {
            holder.destroy();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void a_file_refused_before_its_run_started_is_moved_to_rejected_and_its_corrected_version_runs() throws Exception {
        Instant old = Instant.now().minus(Duration.ofHours(1));
        drop("bad.csv", "id\nusr_a1\n", old);
        drop("good.csv", "external_id\nusr_a2\n", old.plusSeconds(1));

        Night first = night();

        assertThat(first.code()).as(first.output()).isEqualTo(2);
        assertThat(home.resolve("work/inputs/bad.csv")).as("out of the way of a corrected file").doesNotExist();
        Path rejected;
        try (Stream<Path> files = Files.list(home.resolve("rejected"))) {
            rejected = files.filter(file -> !file.toString().endsWith(".txt")).reduce((a, b) -> {
                throw new AssertionError("two files rejected: " + a + ", " + b);
            }).orElseThrow();
        }
        assertThat(rejected.getFileName().toString()).matches("bad\\.\\d{8}T\\d{6}Z\\.csv");
        assertThat(rejected).content().isEqualTo("id\nusr_a1\n");
        assertThat(Path.of(rejected + ".txt")).content().contains("nothing was sent", "no column named external_id",
                "drop the corrected file into " + inbox + " as bad.csv");
        assertThat(first.output()).contains("moved to " + rejected, "a human must look");
        assertThat(filed("good.csv").resolve("good.audit.csv")).content().contains("usr_a2,DELETED");
        assertThat(polar.requests()).extracting(FakePolar.Request::externalId).doesNotContain("usr_a1");

        drop("bad.csv", "external_id\nusr_a1\n", old);
        Night second = night();

        assertThat(second.code()).as(second.output()).isZero();
        assertThat(filed("bad.csv").resolve("bad.audit.csv")).content().contains("usr_a1,DELETED");
        assertThat(inbox).isEmptyDirectory();
    }

    @Test
    void a_file_whose_run_started_is_never_moved_to_rejected() throws Exception {
        drop("c-started.csv", "external_id\n" + String.join("\n", C_IDS.subList(0, 10)) + "\n",
                Instant.now().minus(Duration.ofHours(1)));
        for (int i = 0; i < 5; i++) {
            polar.enqueueFault(new FakePolar.Fault.Delay(Duration.ZERO));
        }
        polar.enqueueFault(new FakePolar.Fault.Respond(new FakePolar.Answer(401, "application/json",
                "{\"error\":\"invalid_token\"}", Map.of())));
        Night first = night();
        assertThat(first.code()).as(first.output()).isEqualTo(4);
        // Someone removes the unfinished run's report and its summaries: its run is known only to the repository.
        Path report = home.resolve("work/c-started.audit.csv");
        assertThat(report).exists();
        for (String extra : List.of("", ".summary.json", ".summary.html")) {
            Files.deleteIfExists(Path.of(report + extra));
        }

        Night second = night();

        assertThat(second.output()).doesNotContain("moved to");
        assertThat(home.resolve("rejected")).isEmptyDirectory();
    }

    @Test
    void a_run_whose_java_does_not_start_leaves_its_file_for_the_next_night() throws Exception {
        // java refuses the option and exits 1 (as for a run with FAILED rows) before the job writes anything.
        jar.env("JAVA_TOOL_OPTIONS", "-Xmx1gb");
        drop("d-night.csv", "external_id\nusr_d1\n", Instant.now().minus(Duration.ofHours(1)));

        Night first = night();

        assertThat(first.code()).as(first.output()).isEqualTo(5);
        assertThat(first.output()).contains("d-night.csv has no report", "may not have started at all")
                .doesNotContain("had already been run");
        assertThat(home.resolve("done")).isEmptyDirectory();
        assertThat(home.resolve("work/inputs/d-night.csv")).exists();
        assertThat(polar.requests()).isEmpty();

        jar.env("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1");
        Night second = night();

        assertThat(second.code()).as(second.output()).isZero();
        assertThat(filed("d-night.csv").resolve("d-night.audit.csv")).content(StandardCharsets.UTF_8)
                .contains("usr_d1").contains("DELETED");
        assertThat(polar.requests()).hasSize(1);
    }

    @Test
    void only_request_files_are_run_and_an_export_of_a_header_only_completes() throws Exception {
        Instant hourAgo = Instant.now().minus(Duration.ofHours(1));
        drop("empty.csv", "external_id\n", hourAgo); // a day without requests
        // A dry run's plan and a report left in the inbox by a run by hand, and a file the tool cannot read.
        drop("check.plan.csv", "external_id\nusr_d1\n", hourAgo);
        drop("urgent.audit.csv", "external_id\nusr_d2\n", hourAgo);
        drop("legacy.xls", "not a request file", hourAgo);

        Night night = night();

        assertThat(night.code()).as(night.output()).isEqualTo(5);
        assertThat(night.output()).contains("not run: " + inbox.resolve("check.plan.csv"),
                "not run: " + inbox.resolve("urgent.audit.csv"), "not run: " + inbox.resolve("legacy.xls"));
        assertThat(polar.requests()).isEmpty();
        assertThat(filed("empty.csv").resolve("empty.audit.csv")).content(StandardCharsets.UTF_8)
                .startsWith("row,external_id,outcome").hasLineCount(1);
        assertThat(inbox.resolve("check.plan.csv")).exists();

        moreRunOptions = " --dry-run";
        Night dry = night();

        assertThat(dry.code()).as(dry.output()).isEqualTo(2);
        assertThat(dry.output()).contains("POLAR_ERASURE_RUN_OPTIONS holds --dry-run");
        assertThat(polar.requests()).isEmpty();
    }

    @Test
    void a_file_whose_run_was_abandoned_dropped_again_is_not_called_done() throws Exception {
        drop("ab.csv", "external_id\nusr_d1\nusr_d2\n", Instant.now().minus(Duration.ofHours(1)));
        polar.enqueueFault(new FakePolar.Fault.Respond(new FakePolar.Answer(401, "application/json",
                "{\"error\":\"invalid_token\"}", Map.of())));
        Night refused = night();
        assertThat(refused.code()).as(refused.output()).isEqualTo(4);
        Path report = home.resolve("work/ab.audit.csv");
        Night abandon = run("abandon", "--report", report.toString(), "--state-dir", home.resolve("state").toString(),
                "--reason", "typo, resubmitting");
        assertThat(abandon.code()).as(abandon.output()).isZero();
        // The operator puts the file back into the inbox and the report aside.
        Files.move(home.resolve("work/inputs/ab.csv"), inbox.resolve("ab.csv"));
        Path aside = Files.createDirectories(home.resolve("aside"));
        for (String extra : List.of("", ".summary.json", ".summary.html")) {
            Files.move(Path.of(report + extra), aside.resolve("ab.audit.csv" + extra));
        }
        int sent = polar.requests().size();

        Night again = night();

        assertThat(again.code()).as(again.output()).isEqualTo(5);
        assertThat(again.output()).contains("earlier run was abandoned", "--rerun").doesNotContain("all done");
        assertThat(polar.requests()).hasSize(sent);
    }

    @Test
    void a_state_folder_others_can_write_into_stops_the_night_before_any_file_is_taken() throws Exception {
        drop("e-good.csv", "external_id\nusr_d1\n", Instant.now().minus(Duration.ofHours(1)));
        Path state = Files.createDirectories(home.resolve("state"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));

        Night night = night();

        assertThat(night.code()).as(night.output()).isEqualTo(2);
        assertThat(night.output()).contains("chmod 700 " + state, "no file was taken");
        assertThat(inbox.resolve("e-good.csv")).exists();
        assertThat(home.resolve("rejected")).isEmptyDirectory();
        assertThat(polar.requests()).isEmpty();

        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
        Night fixed = night();

        assertThat(fixed.code()).as(fixed.output()).isZero();
        assertThat(filed("e-good.csv").resolve("e-good.audit.csv")).content(StandardCharsets.UTF_8)
                .contains("usr_d1,DELETED");
    }

    /** Waits until another process holds the lock, as `flock -n` sees it. */
    private static void awaitHeld(Path lock) {
        await("flock holds " + lock).atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> new ProcessBuilder("flock", "-n", lock.toString(), "true").start().waitFor() != 0);
    }

    private void drop(String name, String content, Instant modified) throws IOException {
        Path file = inbox.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.from(modified));
    }

    /** The one folder under done/ that holds this file. */
    private Path filed(String name) throws IOException {
        try (Stream<Path> found = Files.find(home.resolve("done"), 3,
                (path, attributes) -> path.getFileName().toString().equals(name) && attributes.isRegularFile())) {
            return found.map(Path::getParent).reduce((a, b) -> {
                throw new AssertionError(name + " is filed twice: " + a + ", " + b);
            }).orElseThrow(() -> new AssertionError(name + " is not in " + home.resolve("done")));
        }
    }

    record Night(int code, String output) {
    }

    /** Added to every night's run options from the moment a test sets it. */
    private String moreRunOptions = "";

    private Night night() throws Exception {
        return finish(nightProcess());
    }

    private Process nightProcess() throws Exception {
        assertThat(JAR).as("the packaged jar; run `mvn verify`, not only `mvn test`").exists();
        return jar.startCommand(CHECKOUT, runOptions(), List.of("bash", SCRIPT.toString()));
    }

    private Night run(String... args) throws Exception {
        return finish(jar.start(CHECKOUT, runOptions(), args));
    }

    /** The options the script adds to each run: the fake's URL, and those a test added. */
    private Map<String, String> runOptions() {
        return Map.of("POLAR_ERASURE_RUN_OPTIONS", "--api-url " + polar.baseUrl() + " --max-attempts 1 --chunk-size 5"
                + moreRunOptions);
    }

    private Night finish(Process process) throws Exception {
        int code = jar.finish(process);
        return new Night(code, jar.log(process));
    }
}
