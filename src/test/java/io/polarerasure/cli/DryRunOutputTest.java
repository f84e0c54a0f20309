package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DryRunOutputTest {

    @TempDir
    Path dir;

    @Test
    void tells_requests_duration_duplicates_and_the_first_invalid_rows() throws IOException {
        Path input = dir.resolve("big.csv");
        String valid = IntStream.rangeClosed(1, 600).mapToObj(i -> "usr_" + i).collect(Collectors.joining("\n"));
        String invalid = IntStream.rangeClosed(1, 12).mapToObj(i -> "team/" + i).collect(Collectors.joining("\n"));
        Files.writeString(input, "external_id\n" + valid + "\n" + invalid + "\nusr_1\nusr_2\n");

        Cli.Result result = Cli.run(Map.of(), "run", "--input", input.toString(), "--dry-run", "--rate-limit",
                "120/min");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out().lines().toList()).containsSubsequence(
                "  INVALID 12, DUPLICATE 2, WOULD_DELETE 600",
                "  would send 600 requests; at 120/min that takes about 5 min 0 s (more with retries)",
                "  duplicates: 2 rows repeat the ID of an earlier row and would not be sent again",
                "  invalid: 12 rows cannot be sent (the first 10; the plan lists all):",
                "    row 601 (team/1): external_id contains '/', which Polar's endpoint cannot address",
                "    row 610 (team/10): external_id contains '/', which Polar's endpoint cannot address",
                "  plan: " + dir.resolve("big.plan.csv"));
        assertThat(result.out()).doesNotContain("row 611 ");
    }

    @Test
    void a_wrong_api_url_is_refused_before_the_plan_is_written_or_anything_printed() throws IOException {
        Path input = Files.writeString(dir.resolve("requests.csv"), "external_id\nusr_1\n");

        Cli.Result result = Cli.run(Map.of(), "run", "--input", input.toString(), "--dry-run", "--api-url",
                "api.polar.sh/v1");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("--api-url");
        assertThat(result.out()).isEmpty();
        assertThat(dir.resolve("requests.plan.csv")).doesNotExist();
    }
}
