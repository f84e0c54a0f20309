package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import io.polarerasure.input.ScanResult;

import org.junit.jupiter.api.Test;

/** {@link RunCommand#checkRetryApi}: a retry file knows which API its original run was started against. */
class RetryApiTest {

    private static final Path FILE = Path.of("requests.audit.retry.csv");

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
