package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import io.polarerasure.kernel.ExitCodes;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the job repository is, besides {@code --state-dir} and {@code --jdbc-url}: Spring settings given outside the
 * command line are honoured by {@code status} as by {@code run}, and a JDBC URL no driver accepts is the operator's
 * mistake (exit 2), not a fault of the program.
 */
class RepositorySettingsTest {

    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", "test-token");

    @TempDir
    Path dir;

    @StartStop
    private final MockWebServer server = new MockWebServer();

    @Test
    void status_reads_the_repository_a_spring_setting_points_the_run_at() throws Exception {
        Path elsewhere = dir.resolve("elsewhere");
        Files.createDirectories(elsewhere);
        Files.writeString(dir.resolve("requests.csv"), "external_id\nusr_1\n");
        server.enqueue(new MockResponse.Builder().code(204).build());
        System.setProperty("spring.datasource.url", "jdbc:h2:file:" + elsewhere.resolve("repository")
                + ";DB_CLOSE_ON_EXIT=FALSE");
        try {
            Cli.Result run = Cli.run(ENV, "run", "--input", dir.resolve("requests.csv").toString(), "--api-url",
                    Cli.baseUrl(server), "--state-dir", dir.resolve("state").toString(), "--progress", "0");
            assertThat(run.exitCode()).as(run.toString()).isZero();

            Cli.Result status = Cli.run(ENV, "status", "--state-dir", dir.resolve("state").toString());

            assertThat(status.exitCode()).as(status.toString()).isZero();
            assertThat(status.out()).contains("COMPLETED", "DELETED 1").doesNotContain("No runs recorded");
        } finally {
            System.clearProperty("spring.datasource.url");
        }
    }

    @Test
    void spring_settings_are_looked_for_in_the_environment_and_the_system_properties() {
        assertThat(ReadOnlyRepository.springSettingsGiven(Map.of("SPRING_DATASOURCE_URL", "jdbc:h2:mem:x"), Set.of()))
                .isTrue();
        assertThat(ReadOnlyRepository.springSettingsGiven(Map.of(), Set.of("spring.datasource.username"))).isTrue();
        assertThat(ReadOnlyRepository.springSettingsGiven(Map.of("PATH", "/bin", "SPRINGFIELD", "x"),
                Set.of("java.home"))).isFalse();
    }

    @Test
    void a_jdbc_url_no_driver_accepts_is_a_usage_error() {
        Cli.Result status = Cli.run(ENV, "status", "--jdbc-url", "jdbc:postgres://127.0.0.1:5432/test?password=s3cr3t");

        assertThat(status.exitCode()).as(status.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(status.all()).contains("No database driver of this tool accepts --jdbc-url",
                "jdbc:postgresql://HOST:PORT/DB", "Nothing was sent").doesNotContain("s3cr3t", "unexpected error");
    }
}
