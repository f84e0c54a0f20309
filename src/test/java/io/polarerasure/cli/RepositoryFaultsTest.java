package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.Sha256;
import io.polarerasure.TestPostgres;
import io.polarerasure.job.RepositorySchema;
import io.polarerasure.job.RunIdentity;
import io.polarerasure.polar.PolarSettings;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Job repository faults tell configuration (exit 2), contention (exit 2, another holder) and outage (exit 3)
 * apart, and none of them sends anything.
 */
class RepositoryFaultsTest {

    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", "test-token",
            "SPRING_DATASOURCE_USERNAME", TestPostgres.USER);

    @TempDir
    Path dir;

    @StartStop
    private final MockWebServer server = new MockWebServer();

    private Path input;

    @BeforeEach
    void requestFile() throws IOException {
        input = Files.writeString(dir.resolve("requests.csv"), "external_id\nusr_1\nusr_2\n");
    }

    private Cli.Result run(String jdbcUrl) {
        return Cli.run(ENV, "run", "--input", input.toString(), "--api-url",
                Cli.baseUrl(server), "--state-dir", dir.resolve("state").toString(),
                "--jdbc-url", jdbcUrl);
    }

    @Test
    void a_database_that_does_not_answer_is_an_outage_exit_3() {
        Cli.Result result = run("jdbc:postgresql://127.0.0.1:1/test");

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.RESUMABLE);
        assertThat(result.err()).contains("Cannot reach the job repository").contains("Nothing was sent");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    @SuppressWarnings("try") // the fresh schema only has to exist while the run tries another database
    void an_unknown_database_is_configuration_exit_2() throws Exception {
        try (TestPostgres.Schema ignored = TestPostgres.Schema.fresh()) {
            Cli.Result result = run("jdbc:postgresql://127.0.0.1:5432/no_such_database_here");

            assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.USAGE);
            assertThat(result.err()).contains("Cannot open the job repository").contains("no_such_database_here");
            assertThat(server.getRequestCount()).isZero();
        }
    }

    @Test
    void a_run_leased_by_another_live_process_is_refused_with_exit_2_and_status_names_the_holder() throws Exception {
        try (TestPostgres.Schema postgres = TestPostgres.Schema.fresh()) {
            DriverManagerDataSource dataSource = new DriverManagerDataSource(postgres.url(), TestPostgres.USER, "");
            RepositorySchema.ensure(dataSource);
            // A run left unfinished: Polar refused the token.
            for (int row = 1; row <= 2; row++) { // both rows may be in flight at once
                server.enqueue(new MockResponse.Builder().code(401)
                        .body("{\"error\":\"invalid_token\",\"error_description\":\"revoked\"}").build());
            }
            assertThat(run(postgres.url()).exitCode()).isEqualTo(ExitCodes.REFUSED);
            int sent = server.getRequestCount();
            new JdbcTemplate(dataSource).update("INSERT INTO polar_erasure_lease (run_key, holder_host, holder_pid,"
                    + " holder_started, renewed_at, epoch, renewals, holder_node) VALUES (?, 'pod-7f9c', 4242,"
                    + " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 3, 0, 'another machine')", new RunIdentity(
                    Sha256.of(input), PolarSettings.normalise(server.url("/").toString())).key());

            Cli.Result refused = run(postgres.url());

            assertThat(refused.exitCode()).as(refused.all()).isEqualTo(ExitCodes.USAGE);
            assertThat(refused.err()).contains("Another polar-erasure process is already running this request file")
                    .containsPattern("host pod-7f9c, pid 4242, started \\S+, renewed \\d+ s ago")
                    .contains("Nothing was sent");
            assertThat(server.getRequestCount()).isEqualTo(sent);
            // The refused process must not have touched the holder's lease.
            assertThat(new JdbcTemplate(dataSource).queryForList("SELECT holder_host, epoch FROM polar_erasure_lease"))
                    .isEqualTo(List.of(Map.of("holder_host", "pod-7f9c", "epoch", 3L)));

            Cli.Result status = Cli.run(ENV, "status", "--jdbc-url", postgres.url());
            assertThat(status.out()).as(status.all())
                    .containsPattern("  input:  \\S+requests.csv .*\n.*\n  leased by host pod-7f9c, pid 4242, started \\S+,"
                            + " renewed");
        }
    }

    /** The embedded repository file after one completed run of the two-row request file, both rows answered 204. */
    private byte[] repositoryOfOneRun(Path state) throws IOException {
        server.enqueue(new MockResponse.Builder().code(204).build());
        server.enqueue(new MockResponse.Builder().code(204).build());
        Cli.Result first = Cli.run(ENV, "run", "--input", input.toString(), "--api-url", Cli.baseUrl(server),
                "--state-dir", state.toString(), "--progress", "0");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        return Files.readAllBytes(state.resolve("repository.mv.db"));
    }

    @Test
    void an_embedded_repository_cut_short_or_emptied_is_refused_untouched_and_nothing_is_sent() throws Exception {
        Path state = dir.resolve("state");
        Path file = state.resolve("repository.mv.db");
        byte[] whole = repositoryOfOneRun(state);
        // Both store headers (2 x 4 KiB) are left; every chunk after them is gone, as after a full disk.
        for (int size : new int[] {8192, 0}) {
            byte[] damaged = java.util.Arrays.copyOf(whole, size);
            Files.write(file, damaged);
            Files.writeString(dir.resolve("more.csv"), "external_id\nusr_3\n");

            Cli.Result status = Cli.run(ENV, "status", "--state-dir", state.toString());
            Cli.Result run = Cli.run(ENV, "run", "--input", dir.resolve("more.csv").toString(), "--api-url",
                    Cli.baseUrl(server), "--state-dir", state.toString(), "--progress", "0");

            for (Cli.Result refused : List.of(status, run)) {
                assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
                assertThat(refused.err()).contains("The embedded job repository " + file + " is damaged",
                        "left untouched", "nothing was sent", "Restore the file from a backup", ".damaged")
                        .doesNotContain("No runs recorded");
            }
            assertThat(Files.readAllBytes(file)).as("left as it was").isEqualTo(damaged);
        }
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void a_repository_file_too_short_a_link_to_nothing_or_named_by_a_jdbc_url_is_checked_too() throws Exception {
        Path state = dir.resolve("state");
        Path file = state.resolve("repository.mv.db");
        byte[] whole = repositoryOfOneRun(state);

        Files.write(file, java.util.Arrays.copyOf(whole, 100));
        Cli.Result tooShort = Cli.run(ENV, "status", "--state-dir", state.toString());
        assertThat(tooShort.exitCode()).as(tooShort.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(tooShort.err()).contains("is damaged: it is too short to be an H2 database file (100 bytes")
                .doesNotContain("FileChannelImpl");

        // Named by --jdbc-url instead of found in the state folder.
        Files.write(file, java.util.Arrays.copyOf(whole, 8192));
        Cli.Result byUrl = Cli.run(ENV, "status", "--state-dir", dir.resolve("other").toString(), "--jdbc-url",
                "jdbc:h2:file:" + state.resolve("repository") + ";WRITE_DELAY=0");
        assertThat(byUrl.exitCode()).as(byUrl.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(byUrl.err()).contains("The embedded job repository " + file + " is damaged");
        assertThat(Files.size(file)).isEqualTo(8192);

        // A symbolic link whose target is gone (a volume not mounted): H2 would create an empty repository there.
        Files.delete(file);
        Path gone = dir.resolve("unmounted").resolve("repository.mv.db");
        Files.createSymbolicLink(file, gone);
        Files.writeString(dir.resolve("more.csv"), "external_id\nusr_3\n");
        for (String[] command : List.of(new String[] {"status", "--state-dir", state.toString()},
                new String[] {"run", "--input", dir.resolve("more.csv").toString(), "--api-url",
                        Cli.baseUrl(server), "--state-dir", state.toString(), "--progress", "0"})) {
            Cli.Result refused = Cli.run(ENV, command);
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
            assertThat(refused.err()).contains("is a symbolic link to " + gone + ", which does not exist");
        }
        assertThat(gone).doesNotExist();
        try (var left = Files.list(state)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("a refused run leaves no input copy")
                    .noneMatch(name -> name.startsWith("input-"));
        }
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void an_older_copy_of_the_repository_put_back_is_refused_and_its_newer_runs_rows_are_not_sent_again()
            throws Exception {
        Path state = dir.resolve("state");
        Path file = state.resolve("repository.mv.db");
        byte[] older = repositoryOfOneRun(state);
        Path more = Files.writeString(dir.resolve("more.csv"), "external_id\nusr_3\n");
        server.enqueue(new MockResponse.Builder().code(204).build());
        Cli.Result second = Cli.run(ENV, "run", "--input", more.toString(), "--api-url", Cli.baseUrl(server),
                "--state-dir", state.toString(), "--progress", "0");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        // What a file cut short after a kill -9 looks like to H2: whole, sound, and without the newest commits.
        Files.write(file, older);
        Files.delete(dir.resolve("more.audit.csv"));

        Cli.Result status = Cli.run(ENV, "status", "--state-dir", state.toString());
        Cli.Result run = Cli.run(ENV, "run", "--input", more.toString(), "--api-url", Cli.baseUrl(server),
                "--state-dir", state.toString(), "--progress", "0");

        for (Cli.Result refused : List.of(status, run)) {
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
            assertThat(refused.err()).contains("The embedded job repository " + file + " has lost its newest commits",
                    state.resolve("repository.witness") + " says so", "nothing was sent", "delete "
                    + state.resolve("repository.witness")).doesNotContain("No runs recorded");
        }
        assertThat(Files.readAllBytes(file)).as("left as it was").isEqualTo(older);
        assertThat(server.getRequestCount()).isEqualTo(3);

        // Started afresh on purpose: the old file moved away, its witness names another file and refuses nothing.
        Files.move(file, state.resolve("repository.mv.db.damaged"));
        Cli.Result afresh = Cli.run(ENV, "status", "--state-dir", state.toString());
        assertThat(afresh.exitCode()).as(afresh.toString()).isZero();
        assertThat(afresh.out()).contains("No runs recorded");
    }

    @Test
    void a_repository_compacted_as_the_readme_says_keeps_working() throws Exception {
        Path state = dir.resolve("state");
        repositoryOfOneRun(state);
        // The README's recipe: H2 writes the database into a new file, with versions of its own.
        try (var connection = java.sql.DriverManager.getConnection("jdbc:h2:file:" + state.resolve("repository")
                + ";TRACE_LEVEL_FILE=0", "sa", ""); var statement = connection.createStatement()) {
            statement.execute("SHUTDOWN COMPACT");
        }
        Path more = Files.writeString(dir.resolve("more.csv"), "external_id\nusr_3\n");
        server.enqueue(new MockResponse.Builder().code(204).build());

        Cli.Result status = Cli.run(ENV, "status", "--state-dir", state.toString());
        Cli.Result run = Cli.run(ENV, "run", "--input", more.toString(), "--api-url", Cli.baseUrl(server),
                "--state-dir", state.toString(), "--progress", "0");

        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out()).contains("requests.csv");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void a_state_folder_put_back_from_before_its_runs_last_commits_is_refused_and_the_report_kept() throws Exception {
        Path state = dir.resolve("state");
        Files.writeString(input, "external_id\nusr_1\nusr_2\nusr_3\nusr_4\nusr_5\nusr_6\n");
        String[] command = {"run", "--input", input.toString(), "--api-url", Cli.baseUrl(server), "--state-dir",
                state.toString(), "--progress", "0", "--chunk-size", "2", "--concurrency", "1"};
        // The first chunk is erased, then Polar refuses the token: the run stops with rows 1-2 committed.
        server.enqueue(new MockResponse.Builder().code(204).build());
        server.enqueue(new MockResponse.Builder().code(204).build());
        server.enqueue(new MockResponse.Builder().code(401)
                .body("{\"error\":\"invalid_token\",\"error_description\":\"revoked\"}").build());
        assertThat(Cli.run(ENV, command).exitCode()).isEqualTo(ExitCodes.REFUSED);
        Path backup = dir.resolve("state-backup");
        copyFolder(state, backup);
        for (int row = 3; row <= 6; row++) {
            server.enqueue(new MockResponse.Builder().code(204).build());
        }
        Cli.Result finished = Cli.run(ENV, command);
        assertThat(finished.exitCode()).as(finished.toString()).isZero();
        Path report = dir.resolve("requests.audit.csv");
        String evidence = Files.readString(report);
        int sent = server.getRequestCount();
        // The whole state folder, repository and witness alike, put back from the backup.
        try (var files = Files.walk(state)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        copyFolder(backup, state);

        Cli.Result refused = Cli.run(ENV, command);

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.all()).contains(report + " holds 4 rows after the", "the job repository is older than the"
                + " report", "nothing was sent");
        assertThat(Files.readString(report)).as("the evidence of rows 3-6 is kept").isEqualTo(evidence);
        assertThat(server.getRequestCount()).isEqualTo(sent);
    }

    private static void copyFolder(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path path : files.toList()) {
                Files.copy(path, to.resolve(from.relativize(path).toString()),
                        java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
