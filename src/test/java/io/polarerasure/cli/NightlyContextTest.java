package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.polarerasure.kernel.ExitCodes;

import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a run says and returns when {@code jobs/nightly.sh} runs it: the next night resumes it, so no "re-run the
 * same command"; a completed file dropped again answers as its run did; rates are quoted as the operator wrote them.
 */
class NightlyContextTest {

    private static final Map<String, String> BY_HAND = Map.of("POLAR_ACCESS_TOKEN", "test-token");
    private static final Map<String, String> NIGHTLY = nightly();

    @TempDir
    Path dir;

    @StartStop
    private final MockWebServer server = new MockWebServer();

    private static Map<String, String> nightly() {
        Map<String, String> environment = new HashMap<>(BY_HAND);
        environment.put(ResumeHints.NIGHTLY, "1");
        return Map.copyOf(environment);
    }

    private String[] run(Path input, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "--input", input.toString(), "--api-url",
                Cli.baseUrl(server), "--state-dir", dir.resolve("state").toString(),
                "--progress", "0"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private Path input(String name, String... ids) throws IOException {
        return Files.writeString(dir.resolve(name), "external_id\n" + String.join("\n", ids) + "\n");
    }

    @Test
    void a_refused_run_under_nightly_says_the_next_night_resumes_it_and_by_hand_says_re_run() throws IOException {
        ScriptedPolar script = new ScriptedPolar(Set.of("usr_1"));
        script.refuseFrom(1, 401, "{\"error\":\"invalid_token\"}");
        server.setDispatcher(script);

        Cli.Result nightly = Cli.run(NIGHTLY, run(input("a.csv", "usr_1"), "--rate-limit", "1000/s"));
        Cli.Result byHand = Cli.run(BY_HAND, run(input("b.csv", "usr_2"), "--rate-limit", "1000/s"));

        assertThat(nightly.exitCode()).as(nightly.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(nightly.all()).as("a corrected URL is another run: only a fixed token resumes")
                .contains("Fix this: a fixed token resumes the run at the next nightly run; a corrected --api-url or"
                        + " --sandbox is another run (see jobs/README.md, \"After a wrong URL\")")
                .doesNotContain("let the next nightly run resume it")
                .doesNotContainIgnoringCase("re-run the same command").doesNotContain("run the same command again");
        assertThat(byHand.exitCode()).as(byHand.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(byHand.all()).contains("re-run the same command to resume").doesNotContain("nightly");
    }

    @Test
    void a_completed_run_with_failed_rows_answers_1_again_also_after_its_report_was_filed_away() throws IOException {
        ScriptedPolar script = new ScriptedPolar(Set.of("usr_1"));
        script.alwaysUnavailable("usr_9");
        server.setDispatcher(script);
        Path input = input("requests.csv", "usr_1", "usr_9");

        Path metrics = dir.resolve("polar_erasure.prom");
        Cli.Result first = Cli.run(NIGHTLY, run(input, "--max-attempts", "1", "--rate-limit", "1000/s",
                "--metrics-file", metrics.toString()));
        assertThat(first.exitCode()).as(first.toString()).isEqualTo(ExitCodes.ROWS_FAILED);
        assertThat(Files.readAllLines(metrics)).contains("polar_erasure_last_run_exit_code 1.0",
                "polar_erasure_last_run_rows{outcome=\"DELETED\"} 1.0",
                "polar_erasure_last_run_rows{outcome=\"FAILED\"} 1.0")
                .anyMatch(line -> line.matches("polar_erasure_last_run_id [1-9][0-9]*\\.0"))
                .anyMatch(line -> line.startsWith("polar_erasure_last_success_time_seconds 1."));
        int sent = script.sent().size();
        Path report = dir.resolve("requests.audit.csv");

        Cli.Result again = Cli.run(NIGHTLY, run(input, "--rate-limit", "1000/s"));
        Files.move(report, dir.resolve("filed.csv"));
        Files.delete(metrics);
        Cli.Result filed = Cli.run(NIGHTLY, run(input, "--rate-limit", "1000/s", "--metrics-file",
                metrics.toString()));

        assertThat(again.exitCode()).as(again.toString()).isEqualTo(ExitCodes.ROWS_FAILED);
        assertThat(filed.exitCode()).as(filed.toString()).isEqualTo(ExitCodes.ROWS_FAILED);
        assertThat(filed.out()).contains("already completed", "no longer there", "DELETED 1, FAILED 1")
                .contains("run `polar-erasure run --input FILE --rerun` by hand")
                .doesNotContain("run the same command");
        assertThat(script.sent()).hasSize(sent);
        // The report is gone: the counts kept at completion stand in for it.
        assertThat(Files.readAllLines(metrics)).contains("polar_erasure_last_run_exit_code 1.0",
                "polar_erasure_last_run_rows{outcome=\"FAILED\"} 1.0");
    }

    @Test
    void a_metrics_file_in_a_missing_folder_is_refused_before_anything_is_sent() throws IOException {
        ScriptedPolar script = new ScriptedPolar(Set.of("usr_1"));
        server.setDispatcher(script);

        Cli.Result result = Cli.run(BY_HAND, run(input("requests.csv", "usr_1"), "--metrics-file",
                dir.resolve("missing/polar_erasure.prom").toString()));

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("--metrics-file", "missing", "Nothing was sent");
        assertThat(script.sent()).isEmpty();
    }

    @Test
    void the_rate_is_quoted_as_the_operator_wrote_it() throws IOException {
        server.setDispatcher(new ScriptedPolar(Set.of("usr_1")));

        Cli.Result result = Cli.run(BY_HAND, run(input("requests.csv", "usr_1"), "--rate-limit", "0600 / min"));

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.OK);
        assertThat(result.out()).contains(" at 0600 / min,");
        assertThat(Files.readString(dir.resolve("requests.audit.csv.summary.json"))).contains("\"0600 / min\"");
    }

    @Test
    void fits_every_by_hand_phrase_and_keeps_capitals() {
        ResumeHints hints = ResumeHints.of(NIGHTLY);
        assertThat(hints.fit("Stopped. Re-run the same command to resume; rows are kept.")).isEqualTo(
                "Stopped. Let the next nightly run resume it; rows are kept.");
        assertThat(hints.fit("Free disk space, then run the same command again to resume.")).isEqualTo(
                "Free disk space, then let the next nightly run resume it.");
        assertThat(hints.fit("wait 120 s); then run the same command again, on any host, to resume.")).isEqualTo(
                "wait 120 s); then let the next nightly run resume it.");
        assertThat(hints.fit("Nothing was sent. Run the same command again once the database answers.")).isEqualTo(
                "Nothing was sent. Let the next nightly run resume it once the database answers.");
        assertThat(hints.fit("Run stopped: revoked\n  Rows not yet sent are not in the report. Fix this, then re-run the"
                + " same command to resume (a fixed token resumes this run; with a corrected --api-url or --sandbox"
                + " the file is another run, which takes this report over if no row of this run was settled or is in"
                + " doubt, and otherwise says how to close this one).\n")).as("exit 4").isEqualTo("Run stopped:"
                + " revoked\n  Rows not yet sent are not in the report. Fix this: a fixed token resumes the run at the"
                + " next nightly run; a corrected --api-url or --sandbox is another run (see jobs/README.md, \"After a"
                + " wrong URL\").\n");
        assertThat(ResumeHints.of(BY_HAND).fit("Re-run the same command to resume."))
                .isEqualTo("Re-run the same command to resume.");
    }
}
