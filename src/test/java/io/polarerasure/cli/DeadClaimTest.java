package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import io.polarerasure.Reports;
import io.polarerasure.TestPostgres;
import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.job.ErasureJobConfiguration;
import io.polarerasure.job.NormalPath;
import io.polarerasure.job.ReportClaims;
import io.polarerasure.job.RepositorySchema;
import io.polarerasure.job.RunIdentity;
import io.polarerasure.job.StateFolder;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.Sha256;
import io.polarerasure.polar.PolarSettings;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.repository.support.JdbcJobRepositoryFactoryBean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;

/**
 * What a process killed between claiming its new run's report and recording the run leaves (kill -9, power loss):
 * an empty report, the claim in the job repository, no run. The same command starts the run, since nothing was
 * sent; an empty report claimed by another run, or by none, is still refused (it may be another process's start).
 * On H2 and PostgreSQL. The real kill is {@code CrashSafetyIT}'s.
 */
class DeadClaimTest {

    private static final String TOKEN = "test-token";
    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", TOKEN);
    private static final int ROWS = 12;

    @TempDir
    Path dir;

    private FakePolar polar;
    private Path input;
    private Path report;
    private RunIdentity identity;
    /** The job repository's options, and a data source on it. */
    private List<String> repository;
    private DataSource dataSource;
    private TestPostgres.Schema schema;

    @BeforeEach
    void requestFile() throws IOException {
        StringBuilder rows = new StringBuilder("external_id\n");
        for (int i = 1; i <= ROWS; i++) {
            rows.append("usr_").append(i).append('\n');
        }
        input = Files.writeString(dir.resolve("requests.csv"), rows);
        report = dir.resolve("requests.audit.csv");
        polar = FakePolar.builder().token(TOKEN).customers(Set.of("usr_1", "usr_2", "usr_3")).build().start();
        identity = new RunIdentity(Sha256.of(input), PolarSettings.normalise(polar.baseUrl()));
    }

    @AfterEach
    void stop() throws SQLException {
        polar.close();
        if (schema != null) {
            schema.close();
        }
    }

    private void onH2() throws SQLException {
        Path state = StateFolder.prepare(dir.resolve("state"));
        repository = List.of("--state-dir", state.toString());
        dataSource = new DriverManagerDataSource("jdbc:h2:file:" + state.resolve("repository")
                + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0", "sa", "");
        RepositorySchema.ensure(dataSource);
    }

    private void onPostgres() throws SQLException {
        schema = TestPostgres.Schema.fresh();
        repository = List.of("--state-dir", dir.resolve("state").toString(), "--jdbc-url", schema.url());
        dataSource = new DriverManagerDataSource(schema.url(), TestPostgres.USER, "");
        RepositorySchema.ensure(dataSource);
    }

    @Test
    void the_same_command_starts_the_run_its_dead_start_claimed_on_h2() throws Exception {
        onH2();
        sameCommandRuns();
    }

    @Test
    void the_same_command_starts_the_run_its_dead_start_claimed_on_postgresql() throws Exception {
        onPostgres();
        sameCommandRuns();
    }

    @Test
    void a_start_killed_after_its_run_was_recorded_but_not_its_first_execution_is_started_by_the_same_command_on_h2()
            throws Exception {
        onH2();
        deadStartWithInstance();
    }

    @Test
    void a_start_killed_after_its_run_was_recorded_but_not_its_first_execution_is_started_by_the_same_command_on_pg()
            throws Exception {
        onPostgres();
        deadStartWithInstance();
    }

    /**
     * Spring Batch 6 records a new run's job instance and its first execution in two transactions
     * ({@code TaskExecutorJobLauncher.run}): a kill between them leaves the instance without any execution.
     */
    private void deadStartWithInstance() throws Exception {
        JdbcJobRepositoryFactoryBean factory = new JdbcJobRepositoryFactoryBean();
        factory.setDataSource(dataSource);
        factory.setTransactionManager(new JdbcTransactionManager(dataSource));
        factory.afterPropertiesSet();
        factory.getObject().createJobInstance(ErasureJobConfiguration.JOB_NAME, new JobParametersBuilder()
                .addString(ErasureJobConfiguration.INPUT_SHA256, identity.inputSha256(), true)
                .addString(ErasureJobConfiguration.API_URL, identity.apiUrl(), true)
                .addLong(ErasureJobConfiguration.RERUN, 0L, true)
                .toJobParameters());
        sameCommandRuns();
        assertThat(new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM batch_job_instance",
                Long.class)).as("the recorded instance was run, not a second one").isOne();
    }

    @Test
    void an_empty_report_claimed_by_another_run_is_refused_on_h2() throws Exception {
        onH2();
        othersAreRefused();
    }

    @Test
    void an_empty_report_claimed_by_another_run_is_refused_on_postgresql() throws Exception {
        onPostgres();
        othersAreRefused();
    }

    /** The state the kill leaves: the claim committed, the report created empty, no run recorded. */
    private void deadStart(RunIdentity run, long rerun) throws IOException {
        new ReportClaims(dataSource).record(NormalPath.of(report), run, rerun);
        Files.deleteIfExists(report);
        Files.createFile(report);
    }

    private void sameCommandRuns() throws Exception {
        deadStart(identity, 0);

        Cli.Result again = Cli.run(ENV, run());

        assertThat(again.exitCode()).as(again.toString()).isEqualTo(ExitCodes.OK);
        List<String> lines = Reports.lines(report);
        assertThat(lines).hasSize(ROWS);
        for (int i = 0; i < ROWS; i++) {
            assertThat(lines.get(i)).startsWith((i + 1) + ",usr_" + (i + 1) + ",");
        }
        assertThat(polar.requests()).extracting(FakePolar.Request::externalId).as("each row sent once")
                .doesNotHaveDuplicates().hasSize(ROWS);
        assertThat(Cli.run(ENV, "verify", "--report", report.toString()).exitCode()).isZero();
        assertThat(new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM erasure_report_claim",
                Long.class)).as("the claim given up once the run was recorded").isZero();
    }

    private void othersAreRefused() throws Exception {
        // The same file against another URL, the same run's next rerun, another file: each may be starting now.
        RunIdentity elsewhere = new RunIdentity(identity.inputSha256(), "https://sandbox-api.polar.sh");
        RunIdentity otherFile = new RunIdentity("ab".repeat(32), identity.apiUrl());
        for (ReportClaims.Claim other : List.of(new ReportClaims.Claim(elsewhere, 0, null),
                new ReportClaims.Claim(identity, 1, null), new ReportClaims.Claim(otherFile, 0, null))) {
            deadStart(other.identity(), other.rerun());

            Cli.Result refused = Cli.run(ENV, run());

            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
            assertThat(refused.err()).contains("already exists and belongs to no run recorded")
                    .contains("It is empty, claimed by the start of the run of SHA-256 "
                            + other.identity().inputSha256() + " against " + other.identity().apiUrl()
                            + (other.rerun() > 0 ? ", rerun " + other.rerun() : "") + ", at ")
                    .contains("Nothing was sent");
            assertThat(report).isEmptyFile();
        }
        // No claim at all (another job repository's process, or a version before claims were recorded).
        new JdbcTemplate(dataSource).update("DELETE FROM erasure_report_claim");
        Cli.Result unclaimed = Cli.run(ENV, run());
        assertThat(unclaimed.exitCode()).as(unclaimed.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(unclaimed.err()).contains("It is empty: another process (with another --state-dir or job"
                + " repository) has just started this file's run");
        // A report with anything in it, even claimed by this very run, is never overwritten.
        deadStart(identity, 0);
        Files.writeString(report, "someone's notes\n");
        Cli.Result written = Cli.run(ENV, run());
        assertThat(written.exitCode()).as(written.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(written.err()).contains("A report is never overwritten");
        assertThat(report).hasContent("someone's notes");
        assertThat(polar.requests()).as("nothing sent").isEmpty();
    }

    private String[] run() {
        List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--api-url",
                polar.baseUrl(), "--rate-limit", "1000/s", "--chunk-size", "5"));
        args.addAll(repository);
        return args.toArray(String[]::new);
    }
}
