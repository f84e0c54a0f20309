package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.report.RunSummary;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A completed file sent again sends nothing and says how to erase its IDs again; --rerun does, into its own report. */
class RerunTest {

    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", FakePolar.DEFAULT_TOKEN);

    @TempDir
    Path dir;

    @Test
    void a_completed_file_is_not_sent_again_unless_rerun_which_writes_its_own_report() throws IOException {
        Path input = Files.writeString(dir.resolve("requests.csv"), "external_id\nusr_1\nusr_2\n");
        String state = dir.resolve("state").toString();
        try (FakePolar polar = FakePolar.builder().customers(Set.of("usr_1")).build().start()) {
            Cli.Result first = Cli.run(ENV, "run", "--input", input.toString(), "--api-url", polar.baseUrl(),
                    "--state-dir", state);
            assertThat(first.exitCode()).as(first.toString()).isZero();
            byte[] firstReport = Files.readAllBytes(dir.resolve("requests.audit.csv"));

            Cli.Result again = Cli.run(ENV, "run", "--input", input.toString(), "--api-url", polar.baseUrl(),
                    "--state-dir", state);
            assertThat(again.exitCode()).as(again.toString()).isZero();
            assertThat(again.out()).contains("already completed at").contains("nothing was sent again")
                    .contains("report: " + dir.resolve("requests.audit.csv")).contains("--rerun");
            assertThat(polar.requests()).hasSize(2);

            Cli.Result rerun = Cli.run(ENV, "run", "--input", input.toString(), "--api-url", polar.baseUrl(),
                    "--state-dir", state, "--rerun");
            assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
            assertThat(rerun.out()).contains("Run (rerun 1) completed");
            assertThat(polar.requests()).hasSize(4);
            Path rerunReport = dir.resolve("requests.rerun-1.audit.csv");
            assertThat(rerunReport).content().contains("usr_1,NOT_FOUND").contains("usr_2,NOT_FOUND");
            assertThat(RunSummary.read(RunSummary.pathFor(rerunReport)).provenance().rerun()).isEqualTo(1);
            assertThat(dir.resolve("requests.audit.csv")).as("never overwritten").hasBinaryContent(firstReport);

            Cli.Result taken = Cli.run(ENV, "run", "--input", input.toString(), "--api-url", polar.baseUrl(),
                    "--state-dir", state, "--rerun", "--report", dir.resolve("requests.audit.csv").toString());
            assertThat(taken.exitCode()).as(taken.toString()).isEqualTo(ExitCodes.USAGE);
            assertThat(taken.err()).contains("belongs to the run of").contains("is never overwritten");
            assertThat(polar.requests()).hasSize(4);
        }
    }
}
