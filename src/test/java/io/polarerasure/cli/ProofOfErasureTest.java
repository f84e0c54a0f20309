package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.Sha256;
import io.polarerasure.report.Outcome;
import io.polarerasure.report.RunSummary;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's commands after a real run against the fake Polar: the summary next to the report, verify,
 * status and retry-failed. One run (two FAILED rows) is shared; tests that change files work on copies.
 */
class ProofOfErasureTest {

    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", FakePolar.DEFAULT_TOKEN);
    private static final String REQUESTS = String.join("\n", "external_id,email",
            "usr_1,a@example.com", "usr_2,b@example.com", "usr_3,c@example.com", "team/x,d@example.com",
            "usr_1,a@example.com", "=cmd,e@example.com", "usr_gone,f@example.com", "");

    @TempDir
    static Path dir;
    static FakePolar polar;
    static Path input;
    static Path report;
    static Cli.Result run;

    @BeforeAll
    static void runOnce() throws IOException {
        polar = FakePolar.builder().customers(Set.of("usr_1", "usr_2", "usr_3", "=cmd")).build().start();
        // After a first ordinary answer (Polar proven to be there), two requests answered with a 400, which Polar
        // never gives here: two rows end FAILED (not in doubt: a 400 changed nothing).
        polar.enqueueFault(FakePolar.Fault.delay(java.time.Duration.ZERO));
        polar.enqueueFault(FakePolar.Fault.respond(400, "application/json", "{\"detail\":\"Bad Request\"}", Map.of()));
        polar.enqueueFault(FakePolar.Fault.respond(400, "application/json", "{\"detail\":\"Bad Request\"}", Map.of()));
        input = dir.resolve("requests.csv");
        Files.writeString(input, REQUESTS, StandardCharsets.UTF_8);
        report = dir.resolve("requests.audit.csv");
        run = Cli.run(ENV, "run", "--input", input.toString(), "--api-url", polar.baseUrl(), "--state-dir",
                dir.resolve("state").toString(), "--max-attempts", "1", "--concurrency", "1");
    }

    @AfterAll
    static void stopPolar() {
        polar.close();
    }

    @Test
    void a_completed_run_writes_an_owner_only_summary_of_its_report() throws IOException {
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.ROWS_FAILED);
        Path file = dir.resolve("requests.audit.csv.summary.json");
        assertThat(run.out()).contains("summary: " + file,
                "summary page: " + dir.resolve("requests.audit.csv.summary.html"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.list(dir)).noneMatch(path -> path.toString().endsWith(".partial"));

        RunSummary summary = RunSummary.read(file);
        assertThat(summary.state()).isEqualTo("COMPLETED");
        assertThat(summary.inputFile()).isEqualTo(input.toAbsolutePath().toString());
        assertThat(summary.inputSha256()).isEqualTo(Sha256.of(input));
        assertThat(summary.reportSha256()).isEqualTo(Sha256.of(report));
        assertThat(summary.inputRows()).isEqualTo(7);
        assertThat(summary.counts().get(Outcome.FAILED)).isEqualTo(2);
        assertThat(summary.counts().get(Outcome.INVALID)).isEqualTo(1);
        assertThat(summary.counts().get(Outcome.DUPLICATE)).isEqualTo(1);
        assertThat(summary.counts().total()).isEqualTo(7);
        assertThat(summary.apiBaseUrl()).isEqualTo(polar.baseUrl());
        assertThat(summary.rateLimit()).isEqualTo("300/min");
        assertThat(summary.exitCode()).isEqualTo(ExitCodes.ROWS_FAILED);
        assertThat(summary.finished()).isAfterOrEqualTo(summary.started());
    }

    @Test
    void verify_says_an_untouched_report_is_intact() {
        Cli.Result verified = Cli.run(ENV, "verify", "--report", report.toString());

        assertThat(verified.exitCode()).as(verified.toString()).isEqualTo(VerifyCommand.INTACT);
        assertThat(verified.out()).startsWith("INTACT: " + report).contains("7 rows");
    }

    @Test
    void verify_catches_a_report_whose_outcome_was_changed() throws IOException {
        Path copy = copyWithSummary("edited");
        String text = Files.readString(copy);
        int failed = text.indexOf(",FAILED,");
        Files.writeString(copy, text.substring(0, failed) + ",DELETED," + text.substring(failed + 8));

        Cli.Result verified = Cli.run(ENV, "verify", "--report", copy.toString());

        assertThat(verified.exitCode()).as(verified.toString()).isEqualTo(VerifyCommand.ALTERED);
        assertThat(verified.out()).startsWith("ALTERED: " + copy)
                .contains("its SHA-256 is " + Sha256.of(copy))
                .contains("FAILED rows: 1, the summary recorded 2")
                .doesNotContain("data rows");
    }

    @Test
    void verify_catches_a_removed_row_and_a_summary_that_is_missing() throws IOException {
        Path copy = copyWithSummary("shortened");
        List<String> lines = Files.readAllLines(copy);
        Files.write(copy, lines.subList(0, lines.size() - 1));

        Cli.Result verified = Cli.run(ENV, "verify", "--report", copy.toString());
        Files.delete(RunSummary.pathFor(copy));
        Cli.Result noSummary = Cli.run(ENV, "verify", "--report", copy.toString());

        assertThat(verified.exitCode()).isEqualTo(VerifyCommand.ALTERED);
        assertThat(verified.out()).contains("it has 6 data rows, the summary recorded 7");
        assertThat(noSummary.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noSummary.err()).contains("No run summary " + RunSummary.pathFor(copy));
    }

    @Test
    void running_a_completed_file_again_restores_a_lost_summary_unchanged() throws IOException {
        Path file = RunSummary.pathFor(report);
        RunSummary before = RunSummary.read(file);
        Path moved = dir.resolve("summary.bak");
        Files.move(file, moved);
        try {
            Cli.Result again = Cli.run(ENV, "run", "--input", input.toString(), "--api-url", polar.baseUrl(),
                    "--state-dir", dir.resolve("state").toString());

            // The run has FAILED rows: the same exit code as when it completed.
            assertThat(again.exitCode()).as(again.toString()).isEqualTo(ExitCodes.ROWS_FAILED);
            assertThat(RunSummary.read(file)).isEqualTo(before);
        } finally {
            Files.move(moved, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void status_lists_the_run_with_its_rows_counts_and_report() throws IOException {
        Cli.Result status = Cli.run(ENV, "status", "--wide", "--state-dir", dir.resolve("state").toString());
        Cli.Result one = Cli.run(ENV, "status", "--wide", "--input", input.toString(), "--state-dir",
                dir.resolve("state").toString());
        Cli.Result other = Cli.run(ENV, "status", "--input", report.toString(), "--state-dir",
                dir.resolve("state").toString());

        assertThat(status.exitCode()).as(status.toString()).isZero();
        List<String> lines = status.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).split(" {2,}")).containsExactly(StatusTable.HEADER);
        assertThat(lines.get(1).split(" {2,}")).satisfies(row -> {
            assertThat(row[1]).isEqualTo("COMPLETED");
            assertThat(row[2]).isEqualTo("7/7");
            assertThat(row[3]).isEqualTo(RunSummary.read(RunSummary.pathFor(report)).counts().toString());
            assertThat(row[4]).startsWith("not a Polar host http://127.0.0.1:");
            assertThat(row[5]).isEqualTo(input.toAbsolutePath().toString());
            assertThat(row[6]).isEqualTo(Sha256.of(input));
            assertThat(row[7]).isEqualTo(report.toAbsolutePath().toString());
        });
        assertThat(one.out()).isEqualTo(status.out());
        assertThat(other.out()).startsWith("No run of " + report);
    }

    @Test
    void status_by_default_fits_120_columns_and_json_tells_everything() throws IOException {
        Cli.Result status = Cli.run(ENV, "status", "--state-dir", dir.resolve("state").toString());
        Cli.Result json = Cli.run(ENV, "status", "--format", "json", "--state-dir", dir.resolve("state").toString());

        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out().lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(120));
        assertThat(status.out()).contains(" UTC  COMPLETED  7/7 rows  not a Polar host http://127.0.0.1:")
                .contains("  outcomes: " + RunSummary.read(RunSummary.pathFor(report)).counts())
                .contains("  report: " + report.toAbsolutePath());
        assertThat(json.exitCode()).as(json.toString()).isZero();
        assertThat(json.out()).contains("\"state\" : \"COMPLETED\"").contains("\"inputSha256\" : \""
                + Sha256.of(input) + "\"").contains("\"DELETED\" : ").contains("\"inDoubt\" : "
                + RunSummary.read(RunSummary.pathFor(report)).counts().inDoubt());
    }

    @Test
    void status_finds_a_report_that_nightly_filed_in_done() throws IOException {
        Path filed = dir.resolve("done").resolve("2026-11-30").resolve(input.getFileName() + "-"
                + Sha256.of(input).substring(0, 12));
        Files.createDirectories(filed);
        Path moved = filed.resolve(report.getFileName());
        Files.move(report, moved);
        try {
            Cli.Result status = Cli.run(ENV, "status", "--state-dir", dir.resolve("state").toString());

            assertThat(status.out()).contains("  report: " + moved.toAbsolutePath())
                    .contains("  outcomes: " + RunSummary.read(RunSummary.pathFor(report)).counts());
        } finally {
            Files.move(moved, report);
        }
    }

    @Test
    void retry_failed_writes_the_failed_rows_once() throws IOException {
        Path copy = copyWithSummary("retry");
        Path target = dir.resolve("retry.audit.retry.csv");

        Cli.Result written = Cli.run(ENV, "retry-failed", "--report", copy.toString());
        Cli.Result again = Cli.run(ENV, "retry-failed", "--report", copy.toString());

        assertThat(written.exitCode()).as(written.toString()).isZero();
        assertThat(written.out()).contains("Wrote 2 FAILED or NOT_SENT rows", target.toString());
        List<String> lines = Files.readAllLines(target);
        assertThat(lines).hasSize(3).first()
                .isEqualTo("external_id,original_row,retry_of,original_report,in_doubt_since,original_api_url");
        String inputSha256 = Sha256.of(input);
        List<String> failedRows = Files.readAllLines(report).stream().filter(line -> line.contains(",FAILED,"))
                .map(line -> line.split(",")[1] + "," + line.split(",")[0] + "," + inputSha256).toList();
        assertThat(lines.subList(1, 3).stream().map(line -> line.substring(0, line.indexOf(",retry.audit.csv,"))))
                .isEqualTo(failedRows.stream()
                .map(line -> line.startsWith("'") ? line.substring(1) : line).toList());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-------");
        assertThat(again.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(again.err()).contains(target + " already exists");
    }

    @Test
    void retry_failed_refuses_a_report_that_does_not_match_its_summary() throws IOException {
        Path copy = copyWithSummary("tampered");
        Files.writeString(copy, Files.readString(copy).replace("usr_2", "usr_9"));

        Cli.Result refused = Cli.run(ENV, "retry-failed", "--report", copy.toString());

        assertThat(refused.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err()).contains("does not match its summary");
        assertThat(dir.resolve("tampered.audit.retry.csv")).doesNotExist();
    }

    private static Path copyWithSummary(String name) throws IOException {
        Path copy = dir.resolve(name + ".audit.csv");
        Files.copy(report, copy);
        Files.copy(RunSummary.pathFor(report), RunSummary.pathFor(copy));
        return copy;
    }
}
