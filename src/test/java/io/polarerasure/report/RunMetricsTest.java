package io.polarerasure.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunMetricsTest {

    @TempDir
    Path dir;

    private static final Instant FIRST_END = Instant.parse("2026-11-30T02:00:05.250Z");

    @Test
    void writes_the_textfile_collector_format_whole_and_readable_by_the_collector() throws IOException {
        Path file = dir.resolve("polar_erasure.prom");
        ReportCounts counts = new ReportCounts(Map.of(Outcome.DELETED, 141L, Outcome.NOT_FOUND, 22L,
                Outcome.FAILED, 3L));

        RunMetrics.write(file, new RunMetrics.Run(FIRST_END, Duration.ofMillis(65_500), 1, true, Optional.of(7L),
                Optional.of(counts)));

        assertThat(Files.readAllLines(file)).contains(
                "polar_erasure_last_run_end_time_seconds 1.79600400525E9",
                "polar_erasure_last_run_duration_seconds 65.5",
                "polar_erasure_last_run_exit_code 1.0",
                "polar_erasure_last_run_id 7.0",
                "polar_erasure_last_success_time_seconds 1.79600400525E9",
                "polar_erasure_last_run_rows{outcome=\"DELETED\"} 141.0",
                "polar_erasure_last_run_rows{outcome=\"NOT_FOUND\"} 22.0",
                "polar_erasure_last_run_rows{outcome=\"FAILED\"} 3.0",
                "polar_erasure_last_run_rows{outcome=\"REVIEW\"} 0.0",
                "# TYPE polar_erasure_last_run_rows gauge");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file); // no temporary file left behind
        }
    }

    @Test
    void a_run_that_did_not_complete_keeps_the_last_success_time_of_the_file_before() throws IOException {
        Path file = dir.resolve("polar_erasure.prom");
        RunMetrics.write(file, new RunMetrics.Run(FIRST_END, Duration.ofSeconds(60), 0, true, Optional.of(7L),
                Optional.empty()));

        RunMetrics.write(file, new RunMetrics.Run(FIRST_END.plus(Duration.ofDays(1)), Duration.ofSeconds(9), 3, false,
                Optional.of(8L), Optional.empty()));

        assertThat(Files.readAllLines(file)).contains("polar_erasure_last_run_exit_code 3.0",
                "polar_erasure_last_success_time_seconds 1.79600400525E9",
                "polar_erasure_last_run_end_time_seconds 1.79609040525E9");
    }

    @Test
    void without_any_success_there_is_no_success_time() throws IOException {
        Path file = dir.resolve("polar_erasure.prom");
        RunMetrics.write(file, new RunMetrics.Run(FIRST_END, Duration.ofSeconds(1), 2, false, Optional.empty(),
                Optional.empty()));

        assertThat(Files.readString(file)).contains("polar_erasure_last_run_exit_code 2.0")
                .doesNotContain("polar_erasure_last_success_time_seconds").doesNotContain("polar_erasure_last_run_id");
    }
}
