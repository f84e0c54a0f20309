package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code verify} advises when it cannot check a report. */
class VerifyAdviceTest {

    @TempDir
    Path dir;

    @Test
    void a_report_without_summary_is_first_a_run_to_resume_not_a_backup_to_restore() throws IOException {
        // As a run killed while it filed the ledger leaves it: every row in the report, no summary yet.
        Path report = dir.resolve("requests.audit.csv");
        Files.writeString(report, "row,external_id,outcome,http_status,attempts,detail,processed_at\n");

        Cli.Result verify = Cli.run(Map.of(), "verify", "--report", report.toString());

        assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(2);
        assertThat(verify.err()).contains("A run writes its summary when it ends")
                .contains("polar-erasure status").contains("run the same command again to resume it")
                .contains("status shows the run COMPLETED but no summary was ever written")
                .contains("Only if the summary was written and lost since, restore it from a backup");
    }
}
