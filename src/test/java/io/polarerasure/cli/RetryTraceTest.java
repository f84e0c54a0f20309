package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.Sha256;
import io.polarerasure.report.RunSummary;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A retry run can be traced to the run it retries, and looks a row in doubt up before it sends anything: the
 * retry file carries each row's origin and doubt, and the retry run's report repeats the origin after its seven
 * columns.
 */
class RetryTraceTest {

    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", "test-token");

    @TempDir
    Path dir;

    @StartStop
    private final MockWebServer server = new MockWebServer();

    private String[] run(Path input, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--api-url",
                Cli.baseUrl(server), "--state-dir", dir.resolve("state").toString(),
                "--progress", "0", "--rate-limit", "1000/s"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void the_retry_file_carries_origin_and_doubt_and_the_retry_run_looks_up_before_it_erases() throws Exception {
        Path input = dir.resolve("requests.csv");
        ScriptedPolar script = firstRunFailingUsr9(input);
        RunSummary original = RunSummary.read(dir.resolve("requests.audit.csv.summary.json"));
        Instant started = original.started();

        Cli.Result retry = Cli.run(ENV, "retry-failed", "--report", dir.resolve("requests.audit.csv").toString());

        assertThat(retry.exitCode()).as(retry.toString()).isZero();
        assertThat(retry.out()).contains("1 of these row is in doubt", "looks each of them up before it sends");
        // The command it suggests goes where the original went (the default would be Polar's production API).
        assertThat(retry.out()).contains(" run --input " + dir.resolve("requests.audit.retry.csv") + " --api-url "
                + Cli.baseUrl(server).replaceAll("/$", "") + " --state-dir " + dir.resolve("state")
                + " --rate-limit 1000/s");
        Path retryFile = dir.resolve("requests.audit.retry.csv");
        assertThat(Files.readAllLines(retryFile)).containsExactly(
                "external_id,original_row,retry_of,original_report,in_doubt_since,original_api_url",
                "usr_9,2," + Sha256.of(input) + ",requests.audit.csv," + started + "," + original.apiBaseUrl());

        // The original's summaries name the retry file.
        assertThat(RunSummary.read(dir.resolve("requests.audit.csv.summary.json")).provenance().retriedIn())
                .isEqualTo("requests.audit.retry.csv");
        assertThat(dir.resolve("requests.audit.csv.summary.html")).content()
                .contains("Retried in", "requests.audit.retry.csv");

        script.repair("usr_9");
        takeAll(); // the first run's requests
        Cli.Result retried = Cli.run(ENV, run(retryFile));

        assertThat(retried.exitCode()).as(retried.toString()).isZero();
        List<RecordedRequest> retryRequests = takeAll();
        assertThat(retryRequests).extracting(RecordedRequest::getMethod).containsExactly("GET", "DELETE");
        assertThat(retryRequests.get(0).getUrl().encodedPath()).isEqualTo("/v1/customers/external/usr_9");
        assertThat(retryRequests.get(1).getUrl().encodedPath()).as("erased by Polar's own id, not the external ID")
                .doesNotContain("external");
        List<String> report = Files.readAllLines(dir.resolve("requests.audit.retry.audit.csv"));
        assertThat(report.get(0)).isEqualTo("row,external_id,outcome,http_status,attempts,detail,processed_at,"
                + "original_row,retry_of,original_report,in_doubt_since,original_api_url");
        // The retry's summaries name the original report.
        assertThat(dir.resolve("requests.audit.retry.audit.csv.summary.json")).content()
                .contains("\"retry_of_report\": \"requests.audit.csv\"");
        assertThat(dir.resolve("requests.audit.retry.audit.csv.summary.html")).content()
                .contains("Retry of", "requests.audit.csv");
        assertThat(report.get(1)).startsWith("1,usr_9,DELETED,204,")
                .endsWith(",2," + Sha256.of(input) + ",requests.audit.csv," + started + "," + original.apiBaseUrl());
        // The doubt comes from the original report, not from an execution of the retry run.
        assertThat(report.get(1)).contains("the original run's report requests.audit.csv has this row in doubt since "
                + started).doesNotContain("interrupted execution", "journal was lost");
    }

    @Test
    void a_retry_file_run_against_another_url_than_its_original_run_says_so() throws Exception {
        ScriptedPolar script = firstRunFailingUsr9(dir.resolve("requests.csv"));
        assertThat(Cli.run(ENV, "retry-failed", "--report", dir.resolve("requests.audit.csv").toString())
                .exitCode()).isZero();
        Path retryFile = dir.resolve("requests.audit.retry.csv");
        String original = RunSummary.read(dir.resolve("requests.audit.csv.summary.json")).apiBaseUrl();
        script.repair("usr_9");
        // The same stand-in by another name: as after a wrong URL, the retry goes where the operator says.
        String other = (original.contains("localhost") ? "http://127.0.0.1:" : "http://localhost:") + server.getPort();

        Cli.Result elsewhere = Cli.run(ENV, "run", "--input", retryFile.toString(), "--api-url", other,
                "--state-dir", dir.resolve("state").toString(), "--progress", "0", "--rate-limit", "1000/s");

        assertThat(elsewhere.exitCode()).as(elsewhere.toString()).isZero();
        assertThat(elsewhere.out()).contains("Note: " + retryFile + " retries rows of a run against " + original
                + " (original_api_url); this run sends them to " + other);
    }

    @Test
    void a_retry_of_a_retry_names_every_api_its_rows_were_asked_of() throws Exception {
        firstRunFailingUsr9(dir.resolve("requests.csv"));
        assertThat(Cli.run(ENV, "retry-failed", "--report", dir.resolve("requests.audit.csv").toString())
                .exitCode()).isZero();
        String original = RunSummary.read(dir.resolve("requests.audit.csv.summary.json")).apiBaseUrl();
        String other = (original.contains("localhost") ? "http://127.0.0.1:" : "http://localhost:") + server.getPort();
        // At the other name, the retry run stops (Polar looks down) and is abandoned: usr_9 is NOT_SENT.
        Cli.Result retried = Cli.run(ENV, "run", "--input", dir.resolve("requests.audit.retry.csv").toString(),
                "--api-url", other, "--state-dir", dir.resolve("state").toString(), "--progress", "0",
                "--rate-limit", "1000/s", "--max-attempts", "1");
        assertThat(retried.exitCode()).as(retried.toString()).isEqualTo(ExitCodes.RESUMABLE);
        Cli.Result abandoned = Cli.run(ENV, "abandon", "--report",
                dir.resolve("requests.audit.retry.audit.csv").toString(), "--state-dir", dir.resolve("state").toString());
        assertThat(abandoned.exitCode()).as(abandoned.toString()).isZero();
        String second = RunSummary.read(dir.resolve("requests.audit.retry.audit.csv.summary.json")).apiBaseUrl();

        Cli.Result again = Cli.run(ENV, "retry-failed", "--report",
                dir.resolve("requests.audit.retry.audit.csv").toString());

        assertThat(again.exitCode()).as(again.toString()).isZero();
        List<String> lines = Files.readAllLines(dir.resolve("requests.audit.retry.audit.retry.csv"));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).startsWith("usr_9,1,").endsWith("," + original + " " + second);
    }

    /** Runs {@code input} (usr_1, usr_9) once: usr_9's DELETE answers 503, so it is FAILED and in doubt. */
    private ScriptedPolar firstRunFailingUsr9(Path input) throws Exception {
        ScriptedPolar script = new ScriptedPolar(Set.of("usr_1", "usr_9"));
        script.alwaysUnavailable("usr_9");
        server.setDispatcher(script);
        Files.writeString(input, "external_id\nusr_1\nusr_9\n");
        Cli.Result first = Cli.run(ENV, run(input, "--max-attempts", "1"));
        assertThat(first.exitCode()).as(first.toString()).isEqualTo(ExitCodes.ROWS_FAILED);
        return script;
    }

    /** The requests the server received since the last call, in the order they arrived. */
    private List<RecordedRequest> takeAll() throws InterruptedException {
        List<RecordedRequest> all = new ArrayList<>();
        for (RecordedRequest request = server.takeRequest(100, TimeUnit.MILLISECONDS); request != null;
             request = server.takeRequest(100, TimeUnit.MILLISECONDS)) {
            all.add(request);
        }
        return all;
    }
}
