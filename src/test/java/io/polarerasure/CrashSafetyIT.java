package io.polarerasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.job.RepositorySchema;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Starts the real jar as child processes against a fake Polar on loopback, interrupts it the ways
 * production does (kill -9, SIGTERM, a second invocation, an edited report) and checks that the
 * resumed run's report is exact: every row once, in order, nothing misreported. The tests run two at a
 * time (see the failsafe configuration): child JVM start-up dominates them.
 */
@Execution(ExecutionMode.CONCURRENT)
class CrashSafetyIT {

    private static final int CONCURRENCY = 4;
    private static final int CHUNK_SIZE = 5;
    private static final int ROWS = 300;
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private FakePolar fake;
    private Path input;
    private Path report;
    @RegisterExtension
    final RealJar jar = new RealJar(() -> dir, RUN_TIMEOUT).env("POLAR_ACCESS_TOKEN", FakePolar.DEFAULT_TOKEN);

    @AfterEach
    void stopFake() {
        if (fake != null) {
            fake.close();
        }
    }

    @Test
    void sigkill_at_random_points_then_resume_reports_every_row_once_with_h2() throws Exception {
        killAndResume(JobRepositoryDb.h2(dir.resolve("state")), 11);
    }

    @Test
    void sigkill_at_random_points_then_resume_reports_every_row_once_with_postgresql() throws Exception {
        try (JobRepositoryDb db = JobRepositoryDb.postgres(dir.resolve("state"), new Random())) {
            killAndResume(db, 12);
        }
    }

    private void killAndResume(JobRepositoryDb db, long seed) throws Exception {
        Random random = new Random(seed);
        Workload workload = setUp(random);
        int[] killPoints = random.ints(3, 1, (int) workload.sendable() - 10).sorted().toArray();
        int kills = 0;
        for (int point : killPoints) {
            Process run = start(db, "400/s");
            if (jar.awaitRequests(fake, point, run)) {
                RealJar.kill(run);
                kills++;
            } else {
                assertCompleted(jar.finish(run));
            }
        }
        assertCompleted(jar.finish(start(db, "400/s")));

        List<Workload.Line> inDoubt = workload.verify(report, fake);
        System.out.printf("kill -9 at requests %s (%d kills): %d rows in doubt %s%n", Arrays.toString(killPoints),
                kills, inDoubt.size(), inDoubt);
        assertThat(inDoubt.size()).as("at most the calls in flight at each kill").isLessThanOrEqualTo(kills * CONCURRENCY);
        assertThat(db.journals()).as("the journal of a completed run is deleted").isEmpty();
    }

    /**
     * kill -9 after a new run claimed its report (created it, empty) and before the run was recorded: the jar is
     * held in that window by a lock on PostgreSQL's {@code batch_job_instance} (EXCLUSIVE: its inserts wait, reads
     * do not), and killed as soon as the report appears. Nothing was sent, so the same command simply starts the run
     * and completes it, each row once.
     */
    @Test
    void sigkill_after_the_report_was_claimed_before_the_run_was_recorded_then_the_same_command_runs()
            throws Exception {
        try (JobRepositoryDb db = JobRepositoryDb.postgres(dir.resolve("state"), new Random())) {
            Workload workload = setUp(new Random(41));
            RepositorySchema.ensure(new DriverManagerDataSource(db.url(), TestPostgres.USER, ""));
            killWhileLocked(db, "batch_job_instance", "the report claimed", () -> Files.exists(report));
            assertThat(report).as("the claim a crash leaves").isEmptyFile();
            assertThat(db.lastStatus()).as("no run recorded").isNull();
            assertThat(fake.requests()).isEmpty();

            assertResumesExactly(db, workload);
            assertThat(fake.requests()).extracting(FakePolar.Request::externalId).doesNotHaveDuplicates();
        }
    }

    /**
     * kill -9 while the step's end files the ledger, held there by a lock on PostgreSQL's {@code erasure_ledger}: the
     * step is recorded as COMPLETED already, so the resume skips it, and the job's start files the pages the killed
     * execution left (before, they stayed unfiled until some other run started).
     */
    @Test
    void sigkill_while_the_ledger_is_filed_then_resume_files_what_was_left() throws Exception {
        try (JobRepositoryDb db = JobRepositoryDb.postgres(dir.resolve("state"), new Random())) {
            Workload workload = setUp(new Random(43));
            RepositorySchema.ensure(new DriverManagerDataSource(db.url(), TestPostgres.USER, ""));
            killWhileLocked(db, "erasure_ledger", "the step recorded as completed", () -> {
                try {
                    return "COMPLETED".equals(db.stepStatus());
                } catch (SQLException e) {
                    return false;
                }
            });
            long left = db.number("SELECT COALESCE(SUM(entry_count), 0) FROM erasure_ledger_page");
            assertThat(left).as("answers the kill left in pages").isPositive();
            assertThat(db.number("SELECT COUNT(*) FROM erasure_ledger")).isZero();

            assertResumesExactly(db, workload);

            assertThat(db.number("SELECT COUNT(*) FROM erasure_ledger_page")).as(jar.log()).isZero();
            assertThat(db.number("SELECT COUNT(*) FROM erasure_ledger")).isEqualTo(left);
        }
    }

    /**
     * kill -9 while four DELETEs wait for their answers at Polar, which then erases those customers and lets new
     * ones take the IDs at once: the resume looks each ID up and erases no new customer. Each in-flight row is
     * REVIEW (its customer existed: a new one holds the ID now) or NOT_FOUND (no customer had it), says it was in
     * doubt, and counts the one DELETE Polar received.
     */
    @Test
    void sigkill_with_deletes_in_flight_then_resume_erases_no_customer_who_took_a_freed_id() throws Exception {
        JobRepositoryDb db = JobRepositoryDb.h2(dir.resolve("state"));
        Workload workload = setUp(new Random(31));
        for (int i = 0; i < CONCURRENCY; i++) {
            fake.enqueueFault(FakePolar.Fault.delay(Duration.ofSeconds(3)));
        }
        Process run = start(db, "400/s");
        assertThat(jar.awaitWhileRunning(run, "four requests in flight", () -> fake.received() >= CONCURRENCY))
                .as(jar.log()).isTrue();
        RealJar.kill(run);
        // Polar commits them after the client died.
        await("the fake handles the delayed requests").atMost(RUN_TIMEOUT).pollInterval(Duration.ofMillis(1))
                .until(() -> fake.requests().size() >= CONCURRENCY);
        List<String> inFlight = fake.requests().stream().map(FakePolar.Request::externalId).toList();

        assertThat(jar.finish(start(db, "400/s"))).as(jar.log()).isEqualTo(1); // REVIEW rows need a human

        List<Workload.Line> inDoubt = workload.verify(report, fake);
        assertThat(inDoubt).extracting(Workload.Line::externalId).containsExactlyInAnyOrderElementsOf(inFlight);
        for (Workload.Line line : inDoubt) {
            boolean existed = workload.existing.contains(line.externalId());
            assertThat(line.outcome()).as(line.toString()).isEqualTo(existed ? "REVIEW" : "NOT_FOUND");
            assertThat(line.attempts()).as(line.toString()).isEqualTo(1);
            assertThat(line.detail()).contains("sent 1 attempt").contains("1 look-up");
        }
        assertThat(inDoubt).extracting(Workload.Line::outcome).contains("REVIEW");
        assertThat(fake.requests().stream().filter(r -> r.method().equals("DELETE"))
                .filter(r -> inFlight.contains(r.externalId()))).as("no DELETE re-sent for a row in flight").hasSize(4);
    }

    @Test
    void sigterm_stops_with_exit_3_a_second_invocation_meanwhile_is_refused_and_resume_completes_exactly()
            throws Exception {
        JobRepositoryDb db = JobRepositoryDb.h2(dir.resolve("state"));
        Workload workload = setUp(new Random(21));
        // Slow enough to be still running when the second invocation has started up.
        Process run = running(db, "25/s", 3);

        assertThat(jar.finish(start(db, "400/s"))).as(jar.log()).isEqualTo(2);
        assertThat(jar.lastLog()).contains("Another polar-erasure process is already running this request file");
        assertThat(run.isAlive()).as(jar.log()).isTrue();

        assertStopsCleanly(db, run, "SIGTERM mid-run");
        assertThat(db.executions()).as("executions of the file's run").isEqualTo(1);

        assertResumesExactly(db, workload);
    }

    @Test
    void sigterm_stops_with_exit_3_and_resume_completes_exactly_with_postgresql() throws Exception {
        try (JobRepositoryDb db = JobRepositoryDb.postgres(dir.resolve("state"), new Random())) {
            Workload workload = setUp(new Random(22));
            Process run = running(db, "50/s", 20);

            assertStopsCleanly(db, run, "SIGTERM mid-run (PostgreSQL)");

            assertResumesExactly(db, workload);
        }
    }

    @Test
    void sigterm_during_a_429_pause_stops_within_seconds() throws Exception {
        JobRepositoryDb db = JobRepositoryDb.h2(dir.resolve("state"));
        Workload workload = setUp(new Random(31));
        Process run = running(db, "200/s", 40);
        // Polar's 429 says "wait 60 s"; a scheduler's SIGTERM must not have to wait that long.
        fake.enqueueFault(FakePolar.Fault.rateLimited(60));
        assertThat(jar.awaitWhileRunning(run, "a 429", () -> fake.statusCounts().getOrDefault(429, 0L) > 0))
                .as(jar.log()).isTrue();

        long started = System.nanoTime();
        assertStopsCleanly(db, run, "SIGTERM during a 429 pause");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));

        assertResumesExactly(db, workload);
    }

    /**
     * A machine crash loses what the kernel had not written out yet: here the journal's every record,
     * and it comes back under a new boot id. The interrupted chunk is then in doubt, and nothing else.
     */
    @Test
    void after_a_simulated_machine_crash_the_interrupted_chunk_is_in_doubt_and_nothing_is_misreported()
            throws Exception {
        JobRepositoryDb db = JobRepositoryDb.h2(dir.resolve("state"));
        Workload workload = setUp(new Random(71));
        Process run = running(db, "400/s", 60);
        RealJar.kill(run);
        List<Path> journals = db.journals();
        assertThat(journals).hasSize(1);
        Files.writeString(journals.get(0), "polar-erasure journal 1 a-boot-before-the-crash\n");

        assertCompleted(jar.finish(start(db, "400/s")));

        List<Workload.Line> inDoubt = workload.verify(report, fake);
        System.out.printf("machine crash simulated: %d rows in doubt%n", inDoubt.size());
        assertThat(inDoubt.size()).as("at most one chunk").isLessThanOrEqualTo(CHUNK_SIZE);
    }

    @Test
    void a_lost_database_stops_the_run_as_resumable_and_resume_completes_exactly() throws Exception {
        try (JobRepositoryDb db = JobRepositoryDb.postgres(dir.resolve("state"), new Random())) {
            Workload workload = setUp(new Random(61));
            Process run = running(db, "200/s", 60);

            // What a PostgreSQL restart does to the run's connections.
            assertThat(db.dropConnections()).as("connections cut").isPositive();
            int code = jar.finish(run);
            System.out.printf("connections cut mid-run: exit %d%n", code);
            assertThat(code).as(jar.log()).isIn(0, 1, 3);

            if (code == 3) {
                // With PostgreSQL the journal is in the lost database too: a 204 whose record could not be written
                // is in doubt on resume, and a customer who took the freed ID since makes it REVIEW (exit 1).
                assertCompleted(jar.finish(start(db, "400/s")));
            } else {
                assertCompleted(code);
            }
            List<Workload.Line> inDoubt = workload.verify(report, fake);
            assertThat(inDoubt.size()).as("at most the calls in flight").isLessThanOrEqualTo(CONCURRENCY);
        }
    }

    @Test
    void a_full_disk_stops_the_run_as_resumable_without_a_half_line() throws Exception {
        JobRepositoryDb db = JobRepositoryDb.h2(dir.resolve("state"));
        Workload workload = setUp(new Random(71));
        Path small = Files.createDirectories(dir.resolve("small"));
        // A real full disk: a 12 KiB file system holds about a third of the report. Needs root.
        int mounted = command("mount", "-t", "tmpfs", "-o", "size=12k", "tmpfs", small.toString());
        assumeThat(mounted).as("skipped: cannot mount a small tmpfs (needs root on Linux)").isZero();
        try {
            report = small.resolve("audit.csv");
            assertThat(jar.finish(start(db, "400/s", "--report", report.toString()))).as(jar.log()).isEqualTo(3);
            assertThat(jar.lastLog()).contains("No space left on device").contains("Re-run the same command to resume");
            String written = Files.readString(report);
            assertThat(written).as("the report ends with a whole line").endsWith("\r\n");
            List<Workload.Line> lines = Workload.read(report);
            assertThat(lines).as("rows written before the disk was full").isNotEmpty().hasSizeLessThan(ROWS);
            assertThat(lines.get(lines.size() - 1).row()).isEqualTo(lines.size());

            assertThat(command("mount", "-o", "remount,size=1m", small.toString())).isZero();
            assertResumesExactly(db, workload);
        } finally {
            command("umount", small.toString());
        }
    }

    private static int command(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor();
    }

    @Test
    void a_report_changed_between_stop_and_resume_is_refused_and_left_as_it_is() throws Exception {
        JobRepositoryDb db = JobRepositoryDb.h2(dir.resolve("state"));
        Workload workload = setUp(new Random(51));
        Process run = running(db, "200/s", 60);
        assertThat(jar.terminate(run, "SIGTERM before tampering")).as(jar.log()).isEqualTo(3);
        byte[] committed = Files.readAllBytes(report);
        int sentBefore = fake.requests().size();

        String text = new String(committed, StandardCharsets.UTF_8);
        byte[] edited = text.replaceFirst(",DELETED,", ",NOT_FOUND,").getBytes(StandardCharsets.UTF_8);
        assertThat(edited).isNotEqualTo(committed);
        Files.write(report, edited);
        assertRefused(db, "was changed after this run committed it");
        assertThat(Files.readAllBytes(report)).isEqualTo(edited);

        byte[] truncated = Arrays.copyOf(committed, text.lastIndexOf("\r\n", text.length() - 3) + 2);
        Files.write(report, truncated);
        assertRefused(db, "is shorter");
        assertThat(Files.readAllBytes(report)).isEqualTo(truncated);

        Files.delete(report);
        assertRefused(db, "was deleted");
        assertThat(report).doesNotExist();
        assertThat(fake.requests()).as("requests while the report was wrong").hasSize(sentBefore);

        Files.write(report, committed);
        assertResumesExactly(db, workload);
    }

    /** Resumes the run to completion and checks its report, in which no row may be in doubt. */
    /** SIGTERM: exit 3, the execution STOPPED, and every call that was sent has its answer recorded. */
    /**
     * A completed run exits 0, or 1 when rows are REVIEW: a DELETE in flight at a kill erased its customer and a
     * new one took the ID. Workload.verify checks each such row.
     */
    private void assertCompleted(int exitCode) throws IOException {
        if (exitCode == 1) {
            assertThat(Workload.read(report)).as(jar.log()).extracting(Workload.Line::outcome).contains("REVIEW")
                    .doesNotContain("FAILED");
        } else {
            assertThat(exitCode).as(jar.log()).isEqualTo(0);
        }
    }

    private void assertStopsCleanly(JobRepositoryDb db, Process run, String label) throws Exception {
        assertThat(jar.terminate(run, label)).as(jar.log()).isEqualTo(3);
        assertThat(db.lastStatus()).isEqualTo("STOPPED");
        assertThat(db.unansweredSends()).as("calls whose answer was not recorded").isZero();
        // The page says the run stopped and accounts for every row: in the report, in the journal, or not yet sent.
        String page = Files.readString(report.resolveSibling(report.getFileName() + ".summary.html"));
        java.util.regex.Matcher counts = java.util.regex.Pattern.compile("Stopped, not finished: (\\d+) of (\\d+)"
                + " rows in the report so far").matcher(page);
        assertThat(counts.find()).as(page).isTrue();
        long accounted = Long.parseLong(counts.group(1)) + count(page, "(\\d+) rows? answered by Polar but only in the"
                + " run&#39;s journal") + count(page, "(\\d+) rows? not yet sent");
        assertThat(accounted).as(page).isEqualTo(Long.parseLong(counts.group(2)));
        assertThat(page).contains("Next step:</b> Run the same command again to resume");
    }

    private static long count(String page, String pattern) {
        java.util.regex.Matcher found = java.util.regex.Pattern.compile(pattern).matcher(page);
        return found.find() ? Long.parseLong(found.group(1)) : 0;
    }

    private void assertResumesExactly(JobRepositoryDb db, Workload workload) throws Exception {
        assertThat(jar.finish(start(db, "400/s"))).as(jar.log()).isEqualTo(0);
        assertThat(workload.verify(report, fake)).as("rows in doubt").isEmpty();
    }

    private void assertRefused(JobRepositoryDb db, String message) throws Exception {
        assertThat(jar.finish(start(db, "400/s"))).as(jar.log()).isEqualTo(2);
        assertThat(jar.lastLog()).contains(message).contains("Restore");
    }

    private Workload setUp(Random random) throws IOException {
        Workload workload = Workload.generate(random, ROWS);
        input = workload.write(dir);
        report = dir.resolve("requests.audit.csv");
        // Polar's own rate limit is not under test here: high enough never to answer 429 by itself. A new
        // customer takes every freed ID at once: a row re-sent by external ID would erase them.
        fake = FakePolar.builder().customers(workload.existing).latencyMillis(2).jitterMillis(3)
                .rateLimit(1_000_000).seed(random.nextLong()).recreateFreedIds(Duration.ZERO).build().start();
        return workload;
    }

    private Process start(JobRepositoryDb db, String rate, String... options) throws IOException {
        List<String> arguments = new ArrayList<>(List.of("run", "--input", input.toString(), "--api-url",
                fake.baseUrl(), "--rate-limit", rate, "--concurrency", Integer.toString(CONCURRENCY),
                "--chunk-size", Integer.toString(CHUNK_SIZE)));
        arguments.addAll(db.options());
        arguments.addAll(List.of(options));
        return jar.start(dir, db.environment(), arguments.toArray(String[]::new));
    }

    /**
     * Starts a run while another connection holds a PostgreSQL table in EXCLUSIVE mode (its writes wait, reads do not),
     * kills it with kill -9 once {@code reached}, then lets the table go.
     */
    private void killWhileLocked(JobRepositoryDb db, String table, String what, BooleanSupplier reached)
            throws Exception {
        try (Connection blocker = DriverManager.getConnection(db.url(), TestPostgres.USER, "")) {
            blocker.setAutoCommit(false);
            try (Statement statement = blocker.createStatement()) {
                statement.execute("LOCK TABLE " + table + " IN EXCLUSIVE MODE");
            }
            Process run = start(db, "400/s");
            assertThat(jar.awaitWhileRunning(run, what, reached)).as(jar.log()).isTrue();
            RealJar.kill(run);
            blocker.rollback();
        }
    }

    /** Starts a run and waits until the fake has received this many requests. */
    private Process running(JobRepositoryDb db, String rate, int requests) throws Exception {
        Process run = start(db, rate);
        assertThat(jar.awaitRequests(fake, requests, run)).as(jar.log()).isTrue();
        return run;
    }
}
