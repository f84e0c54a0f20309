package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.polarerasure.input.RequestOptions;
import io.polarerasure.input.RequestScan;
import io.polarerasure.input.ScanResult;
import io.polarerasure.report.RetryFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RunCommand#checkRetryApi}: a retry file knows which API its original run was started against. */
class RetryApiTest {

    private static final Path FILE = Path.of("requests.audit.retry.csv");

    @TempDir
    Path dir;

    /** A retry file of one row whose {@code original_api_url} cell is {@code apis}. */
    private Path retryFileWith(String apis) throws IOException {
        return Files.writeString(dir.resolve("requests.audit.retry.audit.retry.csv"), String.join(",", RetryFile.HEADER)
                + "\nusr_9,1," + "0".repeat(64) + ",requests.audit.retry.audit.csv,," + apis + "\n");
    }

    private static ScanResult retryOf(String... apis) {
        return new ScanResult(FILE, "0".repeat(64), 1, null, null, 0, List.of(apis));
    }

    @Test
    void a_sandbox_trials_retry_file_is_refused_against_production_and_the_reverse() {
        assertThatThrownBy(() -> RunCommand.checkRetryApi(FILE, retryOf("https://sandbox-api.polar.sh"),
                "https://api.polar.sh"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining(FILE + " is a retry file of a run against Polar sandbox"
                        + " (https://sandbox-api.polar.sh, its original_api_url column), but this run is against Polar"
                        + " production (https://api.polar.sh). Run it with --api-url https://sandbox-api.polar.sh.")
                .hasMessageEndingWith("Nothing was sent.");
        assertThatThrownBy(() -> RunCommand.checkRetryApi(FILE, retryOf("https://api.polar.sh/"),
                "https://sandbox-api.polar.sh"))
                .isInstanceOf(UsageException.class).hasMessageContaining("against Polar production");
        // One row of another environment among others is enough.
        assertThatThrownBy(() -> RunCommand.checkRetryApi(FILE, retryOf("https://api.polar.sh",
                "https://sandbox-api.polar.sh"), "https://api.polar.sh")).isInstanceOf(UsageException.class);
    }

    @Test
    void a_retry_of_a_retry_is_refused_when_any_earlier_run_was_against_the_other_environment() throws IOException {
        // A sandbox trial, its failures retried at a URL that is not Polar's, and those retried against production.
        assertThatThrownBy(() -> RunCommand.checkRetryApi(FILE, RequestScan.scan(retryFileWith(
                "https://sandbox-api.polar.sh https://polar.example.com"), RequestOptions.of("external_id")),
                "https://api.polar.sh")).isInstanceOf(UsageException.class)
                .hasMessageContaining("a run against Polar sandbox (https://sandbox-api.polar.sh");
    }

    @Test
    void the_same_api_passes_silently_and_any_other_difference_is_said() {
        assertThat(RunCommand.checkRetryApi(FILE, retryOf("https://api.polar.sh/"), "https://api.polar.sh"))
                .isEmpty();
        assertThat(RunCommand.checkRetryApi(FILE, retryOf(), "https://api.polar.sh")).as("not a retry file, or one"
                + " written before the column").isEmpty();
        // After a wrong URL (not Polar's), the retry file is run against the right one: allowed, and said.
        assertThat(RunCommand.checkRetryApi(FILE, retryOf("https://polar.example.com"), "https://api.polar.sh"))
                .hasValue(FILE + " retries rows of a run against https://polar.example.com (original_api_url); this"
                        + " run sends them to https://api.polar.sh.");
    }
}
