package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.Sha256;
import io.polarerasure.TestPostgres;
import io.polarerasure.job.RepositorySchema;
import io.polarerasure.job.RunIdentity;
import io.polarerasure.job.RunLease;
import io.polarerasure.polar.PolarSettings;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * {@code status} of a run left STARTED by a process killed on this machine (kill -9): its lease row is still fresh,
 * but its process is gone, so the run is shown as stopped and its requests without an answer as in doubt, not as
 * running with requests in flight. A live holder on this machine is still shown as running.
 */
class StatusLeaseHolderTest {

    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", "test-token",
            "SPRING_DATASOURCE_USERNAME", TestPostgres.USER);

    @TempDir
    Path dir;

    @StartStop
    private final MockWebServer server = new MockWebServer();

    @Test
    void a_run_whose_lease_holder_on_this_machine_is_gone_is_stopped_with_its_requests_in_doubt() throws Exception {
        try (TestPostgres.Schema postgres = TestPostgres.Schema.fresh()) {
            DriverManagerDataSource dataSource = new DriverManagerDataSource(postgres.url(), TestPostgres.USER, "");
            RepositorySchema.ensure(dataSource);
            JdbcTemplate jdbc = new JdbcTemplate(dataSource);
            String key = killedRun(postgres.url(), jdbc);
            long dead = deadPid();
            jdbc.update("INSERT INTO polar_erasure_lease (run_key, holder_host, holder_pid, holder_started, renewed_at,"
                    + " epoch, renewals, holder_node) VALUES (?, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 0, ?)",
                    key, RunLease.hostName(), dead, RunLease.node());

            Cli.Result status = Cli.run(ENV, "status", "--jdbc-url", postgres.url());

            assertThat(status.exitCode()).as(status.all()).isZero();
            assertThat(status.out().replaceAll("\n\\s+", " "))
                    .contains("stopped (process " + dead + " is gone; resume with the same command); it held the"
                            + " lease: host " + RunLease.hostName() + ", pid " + dead)
                    .contains("0 answer(s) after the checkpoint are kept in the journal (resuming reports them without"
                            + " sending again); 2 request(s) in doubt (sent, no answer recorded): will be looked up on"
                            + " resume.")
                    .doesNotContain("running:").doesNotContain("in flight");
            assertThat(Cli.run(ENV, "status", "--jdbc-url", postgres.url(), "--format", "json").out())
                    .contains("\"leaseHolderGone\" : true");
        }
    }

    @Test
    void a_run_whose_lease_holder_on_this_machine_lives_is_running() throws Exception {
        try (TestPostgres.Schema postgres = TestPostgres.Schema.fresh()) {
            DriverManagerDataSource dataSource = new DriverManagerDataSource(postgres.url(), TestPostgres.USER, "");
            RepositorySchema.ensure(dataSource);
            JdbcTemplate jdbc = new JdbcTemplate(dataSource);
            String key = killedRun(postgres.url(), jdbc);
            // A live process of this machine: this test's own JVM.
            ProcessHandle self = ProcessHandle.current();
            jdbc.update("INSERT INTO polar_erasure_lease (run_key, holder_host, holder_pid, holder_started, renewed_at,"
                    + " epoch, renewals, holder_node) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP, 1, 0, ?)",
                    key, RunLease.hostName(), self.pid(), java.time.OffsetDateTime.ofInstant(
                            self.info().startInstant().orElseThrow(), java.time.ZoneOffset.UTC), RunLease.node());

            Cli.Result status = Cli.run(ENV, "status", "--jdbc-url", postgres.url());

            assertThat(status.out().replaceAll("\n\\s+", " ")).as(status.all())
                    .contains("leased by host " + RunLease.hostName() + ", pid " + self.pid())
                    .contains("running: 0 answer(s) since the last checkpoint, 2 request(s) in flight.")
                    .doesNotContain("stopped (process");
        }
    }

    /**
     * A run as kill -9 leaves it: its execution STARTED and two requests sent without a recorded answer. Made from a
     * run Polar refused (exit 4), whose execution and journal are then set to that state.
     *
     * @return the run's key
     */
    private String killedRun(String jdbcUrl, JdbcTemplate jdbc) throws IOException {
        Path input = Files.writeString(dir.resolve("requests.csv"), "external_id\nusr_1\nusr_2\n");
        for (int row = 1; row <= 2; row++) {
            server.enqueue(new MockResponse.Builder().code(401)
                    .body("{\"error\":\"invalid_token\",\"error_description\":\"revoked\"}").build());
        }
        String url = Cli.baseUrl(server);
        Cli.Result refused = Cli.run(ENV, "run", "--input", input.toString(), "--api-url", url, "--state-dir",
                dir.resolve("state").toString(), "--jdbc-url", jdbcUrl);
        assertThat(refused.exitCode()).as(refused.all()).isEqualTo(ExitCodes.REFUSED);
        String key = new RunIdentity(Sha256.of(input), PolarSettings.normalise(url)).key();
        jdbc.update("UPDATE batch_job_execution SET status = 'STARTED', exit_code = 'UNKNOWN', end_time = NULL");
        jdbc.update("DELETE FROM polar_erasure_lease");
        jdbc.update("DELETE FROM polar_erasure_journal WHERE run_key = ?", key);
        long now = Instant.now().toEpochMilli();
        for (int row = 1; row <= 2; row++) {
            jdbc.update("INSERT INTO polar_erasure_journal (run_key, seq, record) VALUES (?, ?, ?)", key, row,
                    "S\t" + row + "\t1\t" + now);
        }
        return key;
    }

    /** The pid of a process that has ended (and, milliseconds later, is very unlikely to be reused). */
    private static long deadPid() throws Exception {
        Process process = new ProcessBuilder("true").start();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ProcessHandle.of(process.pid())).isEmpty();
        return process.pid();
    }
}
