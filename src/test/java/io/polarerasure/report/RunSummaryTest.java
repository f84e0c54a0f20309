package io.polarerasure.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunSummaryTest {

    /** Exactly as the hand-written JSON writer of 1.0.0 (before Jackson) wrote a summary. */
    private static final String WRITTEN_BY_1_0_0 = """
            {
              "format": "polar-erasure-summary/1",
              "tool_version": "1.0.0",
              "run_id": 3,
              "execution_id": 5,
              "state": "ABANDONED",
              "complete": false,
              "input_file": "/data/requests \\"nov\\".csv",
              "input_sha256": "aa",
              "input_rows": 4,
              "skipped_empty_records": 1,
              "report_file": "/data/requests.audit.csv",
              "report_sha256": "bb",
              "report_rows": 4,
              "counts": {"DELETED": 2, "NOT_FOUND": 1, "INVALID": 0, "DUPLICATE": 0, "REVIEW": 1, "FAILED": 0, \
            "NOT_SENT": 0},
              "in_doubt": 1,
              "started": "2026-11-28T10:00:00.123456Z",
              "finished": "2026-11-28T10:05:00Z",
              "api_base_url": "https://sandbox-api.polar.sh",
              "rate_limit": "300/min",
              "environment": "sandbox",
              "answered_by": null,
              "job_repository": "/state/repository",
              "rerun": 2,
              "abandoned_reason": "customer\\nasked",
              "exit_code": 1
            }
            """;

    /** A summary from before in_doubt, rerun, provenance and skipped_empty_records were recorded. */
    private static final String WRITTEN_BEFORE_PROVENANCE = """
            {"format": "polar-erasure-summary/1", "tool_version": "dev", "run_id": 1, "execution_id": 1,
             "state": "COMPLETED", "complete": true, "input_file": "in.csv", "input_sha256": "aa", "input_rows": 1,
             "report_file": "out.csv", "report_sha256": "bb", "report_rows": 1, "counts": {"DELETED": 1},
             "started": "2026-11-28T10:00:00Z", "finished": "2026-11-28T10:00:01Z", "exit_code": 0}
            """;

    @TempDir
    Path dir;

    @Test
    void reads_a_summary_written_before_jackson() throws IOException {
        RunSummary summary = RunSummary.read(Files.writeString(dir.resolve("s.json"), WRITTEN_BY_1_0_0));

        assertThat(summary.inputFile()).isEqualTo("/data/requests \"nov\".csv");
        assertThat(summary.state()).isEqualTo("ABANDONED");
        assertThat(summary.finalReport()).isTrue();
        assertThat(summary.counts().get(Outcome.DELETED)).isEqualTo(2);
        assertThat(summary.counts().get(Outcome.REVIEW)).isEqualTo(1);
        assertThat(summary.counts().inDoubt()).isEqualTo(1);
        assertThat(summary.started()).isEqualTo(Instant.parse("2026-11-28T10:00:00.123456Z"));
        assertThat(summary.exitCode()).isEqualTo(1);
        assertThat(summary.skippedEmptyRecords()).isEqualTo(1);
        assertThat(summary.provenance()).isEqualTo(new RunSummary.Provenance("sandbox", null, "/state/repository",
                2, "customer\nasked"));
    }

    @Test
    void reads_a_summary_without_the_fields_added_later() throws IOException {
        RunSummary summary = RunSummary.read(Files.writeString(dir.resolve("s.json"), WRITTEN_BEFORE_PROVENANCE));

        assertThat(summary.complete()).isTrue();
        assertThat(summary.counts().inDoubt()).isZero();
        assertThat(summary.skippedEmptyRecords()).isZero();
        assertThat(summary.apiBaseUrl()).isNull();
        assertThat(summary.provenance().rerun()).isZero();
    }

    @Test
    void writes_what_it_reads_back_with_the_same_field_names() throws IOException {
        RunSummary written = RunSummary.read(Files.writeString(dir.resolve("old.json"), WRITTEN_BY_1_0_0));
        Path file = dir.resolve("new.json");

        written.write(file);

        assertThat(RunSummary.read(file)).isEqualTo(written);
        assertThat(Files.readString(file)).contains("\"input_sha256\": \"aa\"", "\"abandoned_reason\"",
                "\"counts\": {", "\"REVIEW\": 1", "\"NOT_SENT\": 0").doesNotContain("WOULD_DELETE").endsWith("}\n");
    }

    @Test
    void leaves_out_the_abandoned_reason_of_a_run_not_abandoned() {
        RunSummary summary = new RunSummary("in.csv", "aa", "out.csv", "bb", 1, 1, "COMPLETED",
                Instant.EPOCH, Instant.EPOCH, null, null, "dev", 0, new ReportCounts(Map.of()), 0, null);

        assertThat(summary.toJson()).doesNotContain("abandoned_reason").contains("\"answered_by\": null");
    }

    @Test
    void a_stopped_runs_pending_counts_are_optional_and_read_back() throws IOException {
        String stopped = WRITTEN_BY_1_0_0.replace("\"ABANDONED\"", "\"STOPPED\"")
                .replace("  \"abandoned_reason\": \"customer\\nasked\",\n", "");
        RunSummary old = RunSummary.read(Files.writeString(dir.resolve("old.json"), stopped));
        Path file = dir.resolve("new.json");

        old.withPending(new PendingRows(1, 2, 0)).write(file);

        assertThat(old.pending()).as("written before pending counts").isNull();
        assertThat(old.toJson()).doesNotContain("pending");
        assertThat(Files.readString(file)).contains("\"pending\": {\n    \"answered_in_journal\": 1,\n"
                + "    \"sent_without_answer\": 2,\n    \"not_yet_sent\": 0\n  },\n  \"started\"");
        assertThat(RunSummary.read(file)).isEqualTo(old.withPending(new PendingRows(1, 2, 0)));
        assertThatThrownBy(() -> RunSummary.read(Files.writeString(dir.resolve("part.json"),
                Files.readString(file).replace("\"not_yet_sent\": 0", "\"x\": 0"))))
                .isInstanceOf(IOException.class).hasMessageContaining("pending.not_yet_sent");
        assertThatThrownBy(() -> RunSummary.read(Files.writeString(dir.resolve("neg.json"),
                Files.readString(file).replace("\"not_yet_sent\": 0", "\"not_yet_sent\": -1"))))
                .isInstanceOf(IOException.class).hasMessageContaining("negative");
        RunSummary completed = RunSummary.read(Files.writeString(dir.resolve("c.json"), WRITTEN_BY_1_0_0));
        assertThatThrownBy(() -> completed.withPending(new PendingRows(1, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refuses_a_summary_with_a_missing_field_or_wrong_sums() throws IOException {
        Path missing = Files.writeString(dir.resolve("m.json"), WRITTEN_BY_1_0_0.replace("\"run_id\": 3,", ""));
        Path wrongSum = Files.writeString(dir.resolve("w.json"),
                WRITTEN_BY_1_0_0.replace("\"report_rows\": 4", "\"report_rows\": 5"));
        Path otherFormat = Files.writeString(dir.resolve("f.json"), WRITTEN_BY_1_0_0.replace("summary/1", "x/2"));
        Path notJson = Files.writeString(dir.resolve("n.json"), "<html>");

        assertThatThrownBy(() -> RunSummary.read(missing)).isInstanceOf(IOException.class).hasMessageContaining("run_id");
        assertThatThrownBy(() -> RunSummary.read(wrongSum)).isInstanceOf(IOException.class)
                .hasMessageContaining("report_rows 5");
        assertThatThrownBy(() -> RunSummary.read(otherFormat)).isInstanceOf(IOException.class)
                .hasMessageContaining("x/2");
        assertThatThrownBy(() -> RunSummary.read(notJson)).isInstanceOf(IOException.class)
                .hasMessageContaining("not a valid run summary");
    }
}
