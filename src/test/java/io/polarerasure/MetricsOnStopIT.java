package io.polarerasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.polarerasure.fakepolar.FakePolar;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --metrics-file} when a scheduler stops the run: SIGTERM's hook ends the JVM as soon as the run has finished
 * its report, so the metrics must already be written by then (issue 16: they were written only after it).
 */
class MetricsOnStopIT {

    private static final Path JAR = Path.of(System.getProperty("polarErasure.jar", "target/polar-erasure.jar"));

    @TempDir
    Path dir;

    private FakePolar fake;

    @AfterEach
    void stopFake() {
        if (fake != null) {
            fake.close();
        }
    }

    @Test
    void a_run_stopped_by_sigterm_writes_its_metrics_with_exit_code_3() throws Exception {
        assertThat(JAR).as("the jar under test; package it first").isRegularFile();
        Workload workload = Workload.generate(new Random(16), 300);
        Path input = workload.write(dir);
        fake = FakePolar.builder().customers(workload.existing).latencyMillis(2).rateLimit(1_000_000).build().start();
        Path metrics = dir.resolve("polar_erasure.prom");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", JAR.toString(), "run", "--input",
                input.toString(), "--api-url", fake.baseUrl(), "--rate-limit", "20/s", "--concurrency", "2",
                "--chunk-size", "5", "--progress", "0", "--state-dir", dir.resolve("state").toString(),
                "--metrics-file", metrics.toString()));
        Path log = dir.resolve("run.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("POLAR_ACCESS_TOKEN", FakePolar.DEFAULT_TOKEN);
        Process run = builder.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !run.isAlive() || fake.requests().size() >= 3);
            assertThat(run.isAlive()).as("still running: %s", read(log)).isTrue();

            run.destroy(); // SIGTERM
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).as(read(log)).isTrue();
        } finally {
            run.destroyForcibly();
        }

        assertThat(run.exitValue()).as(read(log)).isEqualTo(3);
        assertThat(metrics).as(read(log)).isRegularFile();
        assertThat(Files.readAllLines(metrics)).contains("polar_erasure_last_run_exit_code 3.0")
                .anyMatch(line -> line.matches("polar_erasure_last_run_id [1-9][0-9]*\\.0"));
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log) : "(no output)";
    }
}
