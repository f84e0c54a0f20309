package io.polarerasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.job.RepositorySchema;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Several hosts on one PostgreSQL job repository, each with its own state folder (nothing shared but the
 * database and the report's folder): the real jar as child processes against a fake Polar on loopback. The
 * lease is shortened with the hidden --lease-seconds so that expiry takes seconds.
 */
class MultiHostIT {

    private static final int CONCURRENCY = 4;
    /** Larger than CONCURRENCY, so that a resume hedging the whole interrupted chunk would show. */
    private static final int CHUNK_SIZE = 20;
    private static final int ROWS = 300;
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private FakePolar fake;
    private Path input;
    private Path report;
    @RegisterExtension
    final RealJar jar = new RealJar(() -> dir, RUN_TIMEOUT).env("POLAR_ACCESS_TOKEN", FakePolar.DEFAULT_TOKEN)
            .env("SPRING_DATASOURCE_USERNAME", TestPostgres.USER);

    @AfterEach
    void stopFake() {
        if (fake != null) {
            fake.close();
        }
    }

    @Test
    void a_second_host_started_0_to_5_s_later_is_refused_naming_the_holder_and_nothing_is_sent_twice()
            throws Exception {
        try (JobRepositoryDb db = postgres()) {
            Random random = new Random();
            Workload workload = setUp(random);
            long delay = random.nextInt(5_001);
            Process first = start(db.options(dir.resolve("host-a"), db.url()), "30/s", 6);
            Thread.sleep(delay);
            Process second = start(db.options(dir.resolve("host-b"), db.url()), "400/s", 6);
            int firstCode = jar.finish(first);
            int secondCode = jar.finish(second);
            System.out.printf("second host started %d ms after the first: exits %d and %d%n", delay, firstCode,
                    secondCode);

            // At 0 ms apart either may win; the other is refused before sending anything.
            assertThat(List.of(firstCode, secondCode)).as(jar.log()).containsExactlyInAnyOrder(0, 2);
            String refused = jar.log(firstCode == 2 ? 0 : 1);
            assertThat(refused).contains("Another polar-erasure process is already running this request file")
                    .containsPattern("host \\S+, pid \\d+, started \\S+, renewed \\d+ s ago").contains("Nothing was sent");
            assertThat(workload.verify(report, fake)).as("rows in doubt").isEmpty();
        }
    }

    @Test
    void after_kill_9_another_host_is_refused_until_the_lease_expires_then_resumes_exactly() throws Exception {
        try (JobRepositoryDb db = postgres()) {
            Workload workload = setUp(new Random(81));
            // Long enough that the second host's JVM is up well before the lease can expire, even on a busy machine.
            int leaseSeconds = 30;
            Process holder = start(db.options(dir.resolve("host-a"), db.url()), "100/s", leaseSeconds);
            assertThat(jar.awaitRequests(fake, 100, holder)).as(jar.log()).isTrue();
            RealJar.kill(holder);
            long killed = System.nanoTime();
            int inFlight = fake.requests().size();

            List<String> other = db.options(dir.resolve("host-b"), db.url());
            assertThat(jar.finish(start(other, "400/s", leaseSeconds))).as(jar.log()).isEqualTo(2);
            assertThat(jar.lastLog()).contains("Another polar-erasure process is already running this request file")
                    .containsPattern("renewed \\d+ s ago");
            assertThat(fake.requests()).as("requests while refused").hasSize(inFlight);

            int code = startUntilAccepted(other, leaseSeconds);
            Duration replacedAfter = Duration.ofNanos(System.nanoTime() - killed);
            System.out.printf("kill -9: replaced by another host %d ms after the kill (lease %d s)%n",
                    replacedAfter.toMillis(), leaseSeconds);
            assertThat(code).as(jar.log()).isZero();
            assertThat(replacedAfter).as("not taken over before the lease expired")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(leaseSeconds - 1));

            List<Workload.Line> inDoubt = workload.verify(report, fake);
            System.out.printf("kill -9 then resume on another host: %d rows in doubt %s%n", inDoubt.size(), inDoubt);
            assertThat(inDoubt.size()).as("at most the calls in flight at the kill, not the chunk")
                    .isLessThanOrEqualTo(CONCURRENCY);
        }
    }

    @Test
    void a_holder_cut_off_from_the_database_stops_sending_and_exits_3_then_another_host_resumes_exactly()
            throws Exception {
        try (JobRepositoryDb db = postgres(); DatabaseLink link = new DatabaseLink(5432)) {
            Workload workload = setUp(new Random(82));
            int leaseSeconds = 6;
            Process holder = start(db.options(dir.resolve("host-a"), link.url(db.url())), "50/s", leaseSeconds);
            assertThat(jar.awaitRequests(fake, 60, holder)).as(jar.log()).isTrue();

            link.cut();
            String checkpoint = db.checkpoint();
            // Sending stops at 5/12 of the lease after the last renewal; allow one renewal interval more.
            Thread.sleep(leaseSeconds * 1000L * 5 / 12 + 1_000);
            int sentBeforeDeadline = fake.requests().size();
            int code = jar.finish(holder);
            System.out.printf("database cut mid-run: exit %d%n", code);
            assertThat(code).as(jar.log()).isEqualTo(3);
            assertThat(fake.requests()).as("requests after the holder's sending deadline").hasSize(sentBeforeDeadline);
            assertThat(db.checkpoint()).as("nothing committed after the cut").isEqualTo(checkpoint);

            assertThat(startUntilAccepted(db.options(dir.resolve("host-b"), db.url()), leaseSeconds)).as(jar.log())
                    .isZero();
            List<Workload.Line> inDoubt = workload.verify(report, fake);
            assertThat(inDoubt.size()).as("at most the calls in flight at the cut").isLessThanOrEqualTo(CONCURRENCY);
        }
    }

    @Test
    void a_paused_holder_that_wakes_after_another_host_took_over_sends_and_commits_nothing() throws Exception {
        try (JobRepositoryDb db = postgres()) {
            Workload workload = setUp(new Random(83));
            int leaseSeconds = 6;
            Process holder = start(db.options(dir.resolve("host-a"), db.url()), "30/s", leaseSeconds);
            assertThat(jar.awaitRequests(fake, 40, holder)).as(jar.log()).isTrue();
            RealJar.signal("STOP", holder);
            Thread.sleep(leaseSeconds * 1000L + 1_000);

            assertThat(startUntilAccepted(db.options(dir.resolve("host-b"), db.url()), leaseSeconds)).as(jar.log())
                    .isZero();
            byte[] finalReport = Files.readAllBytes(report);
            int sent = fake.requests().size();

            RealJar.signal("CONT", holder);
            int code = jar.finish(holder);
            System.out.printf("SIGSTOP past the lease, another host completed, SIGCONT: exit %d%n", code);
            assertThat(code).as(jar.log()).isEqualTo(3);
            assertThat(jar.log(0)).containsIgnoringCase("lost the run's lease");
            assertThat(fake.requests()).as("requests of the woken holder").hasSize(sent);
            assertThat(Files.readAllBytes(report)).as("the completed report, untouched").isEqualTo(finalReport);
            List<Workload.Line> inDoubt = workload.verify(report, fake);
            assertThat(inDoubt.size()).as("at most the calls in flight at the pause").isLessThanOrEqualTo(CONCURRENCY);
        }
    }

    private JobRepositoryDb postgres() throws Exception {
        JobRepositoryDb db = JobRepositoryDb.postgres(dir.resolve("unused"), new Random());
        // The schema exists before the hosts start, as in production: they race for the lease, not for DDL.
        RepositorySchema.ensure(new DriverManagerDataSource(db.url(), TestPostgres.USER, ""));
        return db;
    }

    /** Starts the command again until it is not refused (exit 2) and returns its exit code. */
    private int startUntilAccepted(List<String> options, int leaseSeconds) {
        AtomicInteger code = new AtomicInteger();
        try {
            // In the test's thread: a start under way is never cut off, the time limit is checked between starts.
            await().pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
                    .atMost(Duration.ofSeconds(leaseSeconds * 3L + 30)).until(() -> {
                        code.set(jar.finish(start(options, "400/s", leaseSeconds)));
                        return code.get() != 2 || !jar.lastLog().contains("Another polar-erasure process");
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("still refused long after the lease expired\n" + jar.log(), e);
        }
        return code.get();
    }

    private Workload setUp(Random random) throws IOException {
        Workload workload = Workload.generate(random, ROWS);
        input = workload.write(dir);
        report = dir.resolve("requests.audit.csv");
        fake = FakePolar.builder().customers(workload.existing).latencyMillis(2).jitterMillis(3)
                .rateLimit(1_000_000).seed(random.nextLong()).build().start();
        return workload;
    }

    private Process start(List<String> repository, String rate, int leaseSeconds) throws IOException {
        List<String> arguments = new ArrayList<>(List.of("run", "--input", input.toString(), "--api-url",
                fake.baseUrl(), "--rate-limit", rate, "--concurrency", Integer.toString(CONCURRENCY),
                "--chunk-size", Integer.toString(CHUNK_SIZE), "--lease-seconds", Integer.toString(leaseSeconds)));
        arguments.addAll(repository);
        // Each state folder plays one host: a lease holder of another host is never known to be dead.
        return jar.start(dir, Map.of("HOSTNAME", Path.of(repository.get(1)).getFileName().toString()),
                arguments.toArray(String[]::new));
    }
}
