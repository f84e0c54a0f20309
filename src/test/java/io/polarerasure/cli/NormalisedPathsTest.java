package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import io.polarerasure.fakepolar.FakePolar;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Paths given with {@code ..} are recorded and printed normalised: the report is named as a user would find it. */
class NormalisedPathsTest {

    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", FakePolar.DEFAULT_TOKEN);

    @TempDir
    Path dir;

    @Test
    void an_input_given_through_dot_dot_prints_and_records_normalised_paths() throws Exception {
        Files.writeString(dir.resolve("requests.csv"), "external_id\nusr_1\n");
        Files.createDirectories(dir.resolve("sub"));
        String input = dir.resolve("sub/../requests.csv").toString();
        String state = dir.resolve("state").toString();
        try (FakePolar polar = FakePolar.builder().customers(Set.of("usr_1")).build().start()) {
            Cli.Result first = Cli.run(ENV, "run", "--input", input, "--api-url", polar.baseUrl(), "--state-dir", state);

            assertThat(first.exitCode()).as(first.all()).isZero();
            assertThat(first.out()).contains("report: " + dir.resolve("requests.audit.csv") + "\n")
                    .doesNotContain("/../requests.audit.csv");
            Cli.Result status = Cli.run(ENV, "status", "--wide", "--state-dir", state);
            assertThat(status.out()).as(status.all()).contains(dir.resolve("requests.csv") + "  ")
                    .doesNotContain("/../");

            Cli.Result again = Cli.run(ENV, "run", "--input", input, "--api-url", polar.baseUrl(), "--state-dir",
                    state, "--report", dir.resolve("sub/../requests.audit.csv").toString());
            assertThat(again.exitCode()).as(again.all()).isZero();
            assertThat(again.out()).contains("already completed").doesNotContain("was ignored");
        }
    }
}
