package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.Sha256;
import io.polarerasure.report.Outcome;
import io.polarerasure.report.RunSummary;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartialRunSummaryTest {

    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", FakePolar.DEFAULT_TOKEN);

    @TempDir
    Path dir;

    @Test
    void an_interrupted_run_summarises_its_report_so_far_and_a_refused_resume_keeps_that_summary()
            throws IOException {
        Path input = dir.resolve("requests.csv");
        Files.writeString(input, "external_id\n" + IntStream.rangeClosed(1, 20).mapToObj(i -> "usr_" + i)
                .collect(Collectors.joining("\n")) + "\n");
        Path report = dir.resolve("requests.audit.csv");
        Path summaryFile = RunSummary.pathFor(report);
        try (FakePolar polar = FakePolar.builder().allExist(true).build().start()) {
            for (int i = 0; i < 5; i++) {
                polar.enqueueFault(new FakePolar.Fault.Delay(Duration.ZERO));
            }
            polar.enqueueFault(new FakePolar.Fault.Respond(new FakePolar.Answer(401, "application/json",
                    "{\"error\":\"invalid_token\",\"error_description\":\"revoked\"}", Map.of())));
            String[] args = {"run", "--input", input.toString(), "--api-url", polar.baseUrl(), "--state-dir",
                    dir.resolve("state").toString(), "--chunk-size", "5", "--concurrency", "1"};

            Cli.Result refused = Cli.run(ENV, args);

            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.REFUSED);
            RunSummary partial = RunSummary.read(summaryFile);
            assertThat(partial.complete()).isFalse();
            assertThat(partial.state()).isEqualTo("FAILED");
            assertThat(partial.exitCode()).isEqualTo(ExitCodes.REFUSED);
            assertThat(partial.counts().get(Outcome.DELETED)).isEqualTo(5);
            assertThat(partial.reportSha256()).isEqualTo(Sha256.of(report));
            String before = Files.readString(summaryFile);

            Files.writeString(report, Files.readString(report).replace("usr_3", "usr_X"));
            Cli.Result tampered = Cli.run(ENV, args);

            assertThat(tampered.exitCode()).as(tampered.toString()).isEqualTo(ExitCodes.USAGE);
            assertThat(Files.readString(summaryFile)).isEqualTo(before);
            assertThat(Cli.run(ENV, "verify", "--report", report.toString()).out()).startsWith("ALTERED");
        }
    }
}
