package io.polarerasure.polar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.util.Random;
import java.util.Set;

import io.polarerasure.fakepolar.FakePolar;

import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

/** A run meant for one of Polar's environments refuses answers of the other, by the X-Polar-Sandbox mark. */
class PolarEnvironmentTest {

    private final FakeTime time = new FakeTime();

    @Test
    void polar_hosts_name_their_environment_and_other_hosts_are_not_polar() {
        assertThat(PolarEnvironment.of("https://api.polar.sh")).isEqualTo(PolarEnvironment.PRODUCTION);
        assertThat(PolarEnvironment.of("https://sandbox-api.polar.sh")).isEqualTo(PolarEnvironment.SANDBOX);
        // The fully qualified form reaches the same hosts (fresh review: it skipped the budget and sandbox checks).
        assertThat(PolarEnvironment.of("https://api.polar.sh.")).isEqualTo(PolarEnvironment.PRODUCTION);
        assertThat(PolarEnvironment.of("https://sandbox-api.polar.sh./")).isEqualTo(PolarEnvironment.SANDBOX);
        assertThat(PolarEnvironment.of("http://api.polar.sh")).isEqualTo(PolarEnvironment.OTHER);
        assertThat(PolarEnvironment.of("https://api.polar.sh:8443")).isEqualTo(PolarEnvironment.OTHER);
        assertThat(PolarEnvironment.of("http://127.0.0.1:8080")).isEqualTo(PolarEnvironment.OTHER);
    }

    @Test
    void the_same_destination_is_spelt_one_way() {
        assertThat(PolarSettings.normalise("HTTPS://API.Polar.sh:443/")).isEqualTo("https://api.polar.sh");
        assertThat(PolarSettings.normalise("https://api.polar.sh")).isEqualTo("https://api.polar.sh");
        assertThat(PolarSettings.normalise("http://127.0.0.1:8080/")).isEqualTo("http://127.0.0.1:8080");
    }

    @Test
    void a_204_from_the_other_environment_is_kept_as_deleted_and_then_stops_the_run() throws IOException {
        try (FakePolar sandbox = FakePolar.builder().customers(Set.of("cus-1", "cus-2")).sandbox(true).build()
                .start()) {
            Eraser eraser = eraser(sandbox, PolarEnvironment.PRODUCTION);

            // Polar's sandbox erased the customer all the same: that 204 must reach the report.
            Erasure erasure = eraser.erase("cus-1");

            assertThat(erasure.result()).isEqualTo(Erasure.Result.ERASED);
            assertThat(erasure.detail()).contains("answered by sandbox (X-Polar-Sandbox: 1)")
                    .contains("started against Polar production");
            PolarRefusedException refused = catchThrowableOfType(PolarRefusedException.class, eraser::failIfStopped);
            assertThat(refused).hasMessageContaining("started against Polar production")
                    .hasMessageContaining("came from sandbox (X-Polar-Sandbox: 1)")
                    .hasMessageContaining("kept as DELETED");
            assertThat(refused.status()).isEqualTo(204);
            assertThat(catchThrowableOfType(PolarRefusedException.class, () -> eraser.erase("cus-2")))
                    .as("nothing more is sent").isNotNull();
            assertThat(sandbox.requests()).hasSize(1);
        }
    }

    @Test
    void a_sandbox_run_answered_without_the_sandbox_mark_stops() throws IOException {
        try (FakePolar production = FakePolar.builder().customers(Set.of("cus-1")).build().start()) {
            Eraser eraser = eraser(production, PolarEnvironment.SANDBOX);
            assertThat(catchThrowableOfType(PolarRefusedException.class, () -> eraser.erase("cus-2")))
                    .hasMessageContaining("came from production (no X-Polar-Sandbox header)");
            assertThat(production.deletedIds()).isEmpty();
        }
    }

    @Test
    void matching_answers_are_accepted_and_recorded() throws IOException {
        try (FakePolar sandbox = FakePolar.builder().customers(Set.of("cus-1")).sandbox(true).build().start()) {
            Eraser eraser = eraser(sandbox, PolarEnvironment.SANDBOX);
            assertThat(eraser.erase("cus-1").result()).isEqualTo(Erasure.Result.ERASED);
            assertThat(eraser.answeredBy()).contains("sandbox (X-Polar-Sandbox: 1)");
        }
        try (FakePolar other = FakePolar.builder().sandbox(true).build().start()) {
            // Not Polar's host: answers are recorded, not checked.
            Eraser eraser = eraser(other, PolarEnvironment.OTHER);
            assertThat(eraser.erase("cus-1").result()).isEqualTo(Erasure.Result.NOT_FOUND);
            assertThat(eraser.answeredBy().orElseThrow())
                    .isEqualTo("X-Polar-Sandbox: 1 from 127.0.0.1, not one of Polar's hosts (not checked)");
        }
    }

    private Eraser eraser(FakePolar fake, PolarEnvironment expected) {
        PolarSettings settings = PolarSettings.defaults(fake.baseUrl(), Rate.parse("100/s"), 2);
        PolarClient client = new PolarClient(PolarClient.httpClient(settings), HttpUrl.get(fake.baseUrl()),
                FakePolar.DEFAULT_TOKEN, "test", expected);
        return new Eraser(client, settings, time, time, new Random(1));
    }
}
