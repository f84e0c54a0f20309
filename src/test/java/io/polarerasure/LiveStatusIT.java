package io.polarerasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.polarerasure.fakepolar.FakePolar;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status} run as a second process of the real jar while a run holds the embedded H2 repository: it answers
 * at once from the run's live status file (no stack trace, exit 0), within 120 columns, shows the 429 pause the run
 * waits in, and in JSON for monitoring; once the run has stopped it shows the run from the repository.
 */
class LiveStatusIT {

    @TempDir
    Path dir;

    private FakePolar fake;
    @RegisterExtension
    final RealJar jar = new RealJar(() -> dir, Duration.ofSeconds(60))
            .env("POLAR_ACCESS_TOKEN", FakePolar.DEFAULT_TOKEN);

    @AfterEach
    void stopFake() {
        if (fake != null) {
            fake.close();
        }
    }

    @Test
    void status_during_a_run_on_h2_shows_the_live_run_and_its_429_pause() throws Exception {
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
        Process run = jar.start("run", "--input", input.toString(), "--api-url", fake.baseUrl(),
                "--rate-limit", "600/min", "--concurrency", "1", "--chunk-size", "2", "--state-dir", state.toString());

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(run.isAlive()).as(jar.log(0)).isTrue();
            assertThat(status(state)).contains("paused");
        });
        String text = status(state);
        String json = status(state, "--format", "json");

        assertThat(text).startsWith("A run holds the embedded job repository").contains("RUNNING since ")
                .contains("5/12 rows answered")
                .containsPattern("paused \\d+ s for Polar's rate limit \\(429\\), resuming ")
                .contains("  input:  " + input).doesNotContain("Exception");
        assertThat(text.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(120));
        // Taken a moment later: on a loaded machine the 30 s window may have passed, five more sent, paused again.
        assertThat(json).containsPattern("\"answered\" : (5|10),").contains("\"total\" : 12")
                .contains("\"waiting\" : \"paused");

        // SIGTERM: a graceful stop cuts the pause short
        assertThat(jar.terminate(run, "SIGTERM during the 429 pause")).as(jar.log(0)).isEqualTo(3);
        String after = status(state);
        assertThat(after).contains(" STOPPED  ").contains("outcomes: DELETED ")
                .doesNotContain("RUNNING").doesNotContain("in flight");
        assertThat(Files.list(state).map(Path::getFileName).map(Path::toString)).noneMatch(n -> n.startsWith("live-"));
    }

    private String status(Path state, String... options) throws Exception {
        List<String> arguments = new ArrayList<>(List.of("status", "--state-dir", state.toString()));
        arguments.addAll(List.of(options));
        int code = jar.run(arguments.toArray(String[]::new));
        String out = jar.lastLog();
        assertThat(code).as(out).isZero();
        return out;
    }
}
