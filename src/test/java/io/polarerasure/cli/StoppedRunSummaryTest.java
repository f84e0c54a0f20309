package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import io.polarerasure.job.InterruptedChunk;
import io.polarerasure.job.ProofOfErasure;
import io.polarerasure.job.RunHistory;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.HtmlSummary;
import io.polarerasure.report.Outcome;
import io.polarerasure.report.PendingRows;
import io.polarerasure.report.ReportFormat;
import io.polarerasure.report.RunSummary;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;

/**
 * The summary written when a run stops: its page says where the rows stand beyond the report, from the run's
 * journal, and says less (pointing at status) when the journal cannot be read.
 */
class StoppedRunSummaryTest {

    private static final Instant AT = Instant.parse("2026-11-28T02:30:00Z");

    @TempDir
    Path dir;

    @Test
    void a_stopped_runs_page_counts_the_answers_kept_in_its_journal_and_the_rows_not_yet_sent() throws IOException {
        Path report = report();

        ProofOfErasure.record(stopped(report), false, ExitCodes.RESUMABLE, Clock.fixed(AT, ZoneOffset.UTC),
                new PrintWriter(new StringWriter()), new ProofOfErasure.Provenance("1.0.0", "/state/repository", null,
                        run -> new InterruptedChunk(3, 1)));

        assertThat(Files.readString(HtmlSummary.pathFor(report)))
                .contains("Stopped, not finished: 2 of 10 rows in the report so far")
                .contains("3 rows answered by Polar but only in the run&#39;s journal")
                .contains("1 row sent without a recorded answer (in doubt)")
                .contains("4 rows not yet sent.");
        assertThat(Files.readString(RunSummary.pathFor(report))).contains("  \"in_doubt\": 0,\n  \"pending\": {\n"
                + "    \"answered_in_journal\": 3,\n    \"sent_without_answer\": 1,\n    \"not_yet_sent\": 4\n  },\n");
        assertThat(RunSummary.read(RunSummary.pathFor(report)).pending()).isEqualTo(new PendingRows(3, 1, 4));
        Cli.Result verify = Cli.run(Map.of(), "verify", "--report", report.toString());
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.out()).contains("INTACT").contains("Beyond the report when the summary was written: 3"
                + " row(s) answered by Polar only in the run's journal, 1 sent without a recorded answer, 4 not yet"
                + " sent.");
    }

    @Test
    void a_stopped_run_whose_journal_cannot_be_read_still_gets_its_page() throws IOException {
        Path report = report();

        ProofOfErasure.record(stopped(report), false, ExitCodes.RESUMABLE, Clock.fixed(AT, ZoneOffset.UTC),
                new PrintWriter(new StringWriter()), new ProofOfErasure.Provenance("1.0.0", "/state/repository", null, run -> {
                    throw new IOException("journal unreadable");
                }));

        assertThat(Files.readString(HtmlSummary.pathFor(report))).contains("Stopped, not finished")
                .contains("polar-erasure status shows how many").doesNotContain("not yet sent");
        assertThat(Files.readString(RunSummary.pathFor(report))).as("as summaries before pending were recorded")
                .doesNotContain("pending");
        Cli.Result verify = Cli.run(Map.of(), "verify", "--report", report.toString());
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.out()).contains("INTACT").contains("this report is not final. Run the same command again to finish it").doesNotContain("Beyond");
    }

    @Test
    void a_stopped_runs_report_grown_by_a_resume_killed_before_its_summary_is_a_run_to_resume_not_altered()
            throws IOException {
        Path report = report();
        ProofOfErasure.record(stopped(report), false, ExitCodes.RESUMABLE, Clock.fixed(AT, ZoneOffset.UTC),
                new PrintWriter(new StringWriter()), new ProofOfErasure.Provenance("1.0.0", "/state/repository", null,
                        run -> new InterruptedChunk(0, 0)));
        // The resume committed two more rows, then was killed (while it filed the ledger): no new summary.
        Files.write(report, ReportFormat.linesBytes(List.of(
                new AuditLine(3, "usr_3", Outcome.DELETED, 204, 1, "", AT),
                new AuditLine(4, "usr_4", Outcome.DELETED, 204, 1, "", AT))), StandardOpenOption.APPEND);

        Cli.Result verify = Cli.run(Map.of(), "verify", "--report", report.toString());

        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(2);
        assertThat(verify.out()).contains("NOT CHECKED").contains("STOPPED, 2 rows")
                .contains("Run the same command again to resume the run").doesNotContain("backup");
    }

    private Path report() throws IOException {
        Path report = Files.write(dir.resolve("requests.audit.csv"), ReportFormat.headerBytes());
        return Files.write(report, ReportFormat.linesBytes(List.of(
                new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT),
                new AuditLine(2, "usr_2", Outcome.NOT_FOUND, 404, 1, "", AT))), StandardOpenOption.APPEND);
    }

    private RunHistory.Run stopped(Path report) {
        return new RunHistory.Run(1, 2, "a".repeat(64), dir.resolve("requests.csv").toString(), report.toString(),
                BatchStatus.STOPPED, AT, null, 10L, 2, null, "https://api.polar.sh", "300/min", 0, 0, null, 0, null);
    }
}
