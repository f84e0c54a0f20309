package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.polarerasure.job.RunIdentity;
import io.polarerasure.job.RunLock;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.Sha256;

import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs refused before anything is sent: each still writes its {@code --metrics-file} (issue 16), and each message
 * names what to change.
 */
class RunRefusalsTest {

    private static final Map<String, String> ENVIRONMENT = Map.of("POLAR_ACCESS_TOKEN", "test-token");

    @TempDir
    Path dir;

    @StartStop
    private final MockWebServer server = new MockWebServer();

    private String apiUrl() {
        return server.url("/").toString().replaceAll("/$", "");
    }

    @Test
    void a_run_refused_by_the_run_lock_writes_its_metrics_with_exit_code_2() throws IOException {
        ScriptedPolar script = new ScriptedPolar(Set.of("usr_1"));
        server.setDispatcher(script);
        Path input = Files.writeString(dir.resolve("requests.csv"), "external_id\nusr_1\n");
        Path state = dir.resolve("state");
        Path metrics = dir.resolve("polar_erasure.prom");
        Files.createDirectories(state,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        RunIdentity identity = new RunIdentity(Sha256.of(input), apiUrl());

        Cli.Result result;
        try (RunLock held = RunLock.acquire(state, identity.key())) {
            result = Cli.run(ENVIRONMENT, "run", "--input", input.toString(), "--api-url", apiUrl(), "--state-dir",
                    state.toString(), "--progress", "0", "--metrics-file", metrics.toString());
        }

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(script.sent()).isEmpty();
        assertThat(metrics).as(result.toString()).isRegularFile();
        assertThat(Files.readAllLines(metrics)).contains("polar_erasure_last_run_exit_code 2.0");
    }

    @Test
    void a_concurrency_out_of_range_names_auto_and_the_range() throws IOException {
        Path input = Files.writeString(dir.resolve("requests.csv"), "external_id\nusr_1\n");
        for (String value : List.of("0", "65", "-1", "many")) {
            Cli.Result result = Cli.run(ENVIRONMENT, "run", "--input", input.toString(), "--api-url", apiUrl(),
                    "--state-dir", dir.resolve("state").toString(), "--concurrency", value);

            assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.USAGE);
            assertThat(result.err()).as(value).contains("--concurrency must be auto or a number between 1 and 64, was "
                    + value, "Nothing was sent");
        }
    }
}
