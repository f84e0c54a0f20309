package io.polarerasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.polarerasure.fakepolar.FakePolar;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status} run as a second process of the real jar while a run holds the embedded H2 repository: it answers
 * at once from the run's live status file (no stack trace, exit 0), within 120 columns, shows the 429 pause the run
 * waits in, and in JSON for monitoring; once the run has stopped it shows the run from the repository.
 */
class LiveStatusIT {

    private static final Path JAR = Path.of(System.getProperty("polarErasure.jar", "target/polar-erasure.jar"));

    @TempDir
    Path dir;

    private FakePolar fake;
    private Process run;

    @AfterEach
    void stop() throws InterruptedException {
        if (run != null && run.isAlive()) {
            run.destroyForcibly().waitFor();
        }
        if (fake != null) {
            fake.close();
        }
    }

    @Test
    void status_during_a_run_on_h2_shows_the_live_run_and_its_429_pause() throws Exception {
        assertThat(JAR).as("the jar under test; run `mvn verify`, which builds it first").isRegularFile();
        Set<String> ids = new HashSet<>();
        StringBuilder csv = new StringBuilder("external_id\n");
        for (int i = 1; i <= 12; i++) {
            ids.add("cus_" + i);
            csv.append("cus_").append(i).append('\n');
        }
        Path input = Files.writeString(dir.resolve("requests.csv"), csv, StandardCharsets.UTF_8);
        // Five requests per 30 s window: the sixth gets a 429 and the run pauses.
        fake = FakePolar.builder().customers(ids).rateLimit(5).window(Duration.ofSeconds(30)).build().start();
        Path state = dir.resolve("state");
        run = java(dir.resolve("run.log"), "run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--rate-limit", "600/min", "--concurrency", "1", "--chunk-size", "2", "--state-dir", state.toString());

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(run.isAlive()).as(Files.readString(dir.resolve("run.log"))).isTrue();
            assertThat(status(state, "status.log")).contains("paused");
        });
        String text = status(state, "status.log");
        String json = status(state, "status.json", "--format", "json");

        assertThat(text).startsWith("A run holds the embedded job repository").contains("RUNNING since ")
                .contains("5/12 rows answered")
                .containsPattern("paused \\d+ s for Polar's rate limit \\(429\\), resuming ")
                .contains("  input:  " + input).doesNotContain("Exception");
        assertThat(text.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(120));
        // Taken a moment later: on a loaded machine the 30 s window may have passed, five more sent, paused again.
        assertThat(json).containsPattern("\"answered\" : (5|10),").contains("\"total\" : 12")
                .contains("\"waiting\" : \"paused");

        run.destroy(); // SIGTERM: a graceful stop cuts the pause short
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(Files.readString(dir.resolve("run.log"))).isEqualTo(3);
        String after = status(state, "after.log");
        assertThat(after).contains(" STOPPED  ").contains("outcomes: DELETED ")
                .doesNotContain("RUNNING").doesNotContain("in flight");
        assertThat(Files.list(state).map(Path::getFileName).map(Path::toString)).noneMatch(n -> n.startsWith("live-"));
    }

    private String status(Path state, String log, String... options) throws Exception {
        List<String> arguments = new ArrayList<>(List.of("status", "--state-dir", state.toString()));
        arguments.addAll(List.of(options));
        Process status = java(dir.resolve(log), arguments.toArray(String[]::new));
        assertThat(status.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(dir.resolve(log));
        assertThat(status.exitValue()).as(out).isZero();
        return out;
    }

    private Process java(Path log, String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", JAR.toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("POLAR_ACCESS_TOKEN", FakePolar.DEFAULT_TOKEN);
        return builder.start();
    }
}
