package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;

import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;
import io.polarerasure.report.ReportTamperedException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;

class ReportWriterTest {

    private static final Instant AT = Instant.parse("2026-11-28T10:00:00.123456Z");

    @TempDir
    Path dir;

    private Path report() {
        return dir.resolve("requests.audit.csv");
    }

    private static AuditLine line(long row, String id) {
        return new AuditLine(row, id, Outcome.DELETED, 204, 1, "", AT);
    }

    /** Writes the rows as one chunk and returns the checkpoint a commit would store. */
    private ExecutionContext writeAndCommit(ExecutionContext context, AuditLine... lines) throws IOException {
        ReportWriter writer = new ReportWriter(report());
        writer.open(context);
        writer.write(new Chunk<>(List.of(lines)));
        writer.update(context);
        writer.close();
        return context;
    }

    @Test
    void writes_the_header_and_one_quoted_line_per_row() throws IOException {
        writeAndCommit(new ExecutionContext(), line(1, "usr_1"), line(2, "a,\"b\""));

        assertThat(Files.readString(report())).isEqualTo(
                "row,external_id,outcome,http_status,attempts,detail,processed_at\r\n"
                        + "1,usr_1,DELETED,204,1,,2026-11-28T10:00:00.123Z\r\n"
                        + "2,\"a,\"\"b\"\"\",DELETED,204,1,,2026-11-28T10:00:00.123Z\r\n");
    }

    @Test
    void the_report_is_readable_by_its_owner_only() throws IOException {
        writeAndCommit(new ExecutionContext(), line(1, "usr_1"));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(report()))).isEqualTo("rw-------");
    }

    @Test
    void resuming_cuts_off_lines_of_a_chunk_that_never_committed() throws IOException {
        ExecutionContext committed = writeAndCommit(new ExecutionContext(), line(1, "usr_1"));
        Files.writeString(report(), "2,usr_2,DELETED,204,1,,2026-11-28T10:00:00.123Z\r\n3,usr_3,DEL",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);

        writeAndCommit(committed, line(2, "usr_2"));

        assertThat(Files.readAllLines(report())).containsExactly(
                "row,external_id,outcome,http_status,attempts,detail,processed_at",
                "1,usr_1,DELETED,204,1,,2026-11-28T10:00:00.123Z",
                "2,usr_2,DELETED,204,1,,2026-11-28T10:00:00.123Z");
    }

    @Test
    void more_rows_after_the_checkpoint_than_a_chunk_holds_are_refused_and_left_as_they_are() throws IOException {
        ExecutionContext committed = writeAndCommit(new ExecutionContext(), line(1, "usr_1"));
        // The rows of later commits, which a job repository put back from a backup no longer knows.
        Files.writeString(report(), "2,usr_2,DELETED,204,1,,2026-11-28T10:00:00.123Z\r\n"
                + "3,\"usr_3\nwith a line break\",DELETED,204,1,,2026-11-28T10:00:00.123Z\r\n4,usr_4,DEL",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        String before = Files.readString(report());

        assertThatThrownBy(() -> new ReportWriter(report(), List.of(), 2).open(committed))
                .isInstanceOf(ReportTamperedException.class)
                .hasMessageContaining("holds 3 rows after the").hasMessageContaining("at most 2 rows")
                .hasMessageContaining("nothing was sent");
        assertThat(Files.readString(report())).isEqualTo(before);

        // One chunk's worth (here 3 rows) is what a stop leaves: cut off as before.
        ReportWriter writer = new ReportWriter(report(), List.of(), 3);
        writer.open(committed);
        writer.close();
        assertThat(Files.readAllLines(report())).hasSize(2);
    }

    @Test
    void a_report_edited_after_its_commit_is_refused_and_left_as_it_is() throws IOException {
        ExecutionContext committed = writeAndCommit(new ExecutionContext(), line(1, "usr_1"));
        String edited = Files.readString(report()).replace("DELETED", "NOT_FOUND");
        Files.writeString(report(), edited);

        assertThatThrownBy(() -> new ReportWriter(report()).open(committed))
                .isInstanceOf(ReportTamperedException.class).hasMessageContaining("was changed")
                .hasMessageContaining("Restore");
        assertThat(Files.readString(report())).isEqualTo(edited);
    }

    @Test
    void a_truncated_report_is_refused() throws IOException {
        ExecutionContext committed = writeAndCommit(new ExecutionContext(), line(1, "usr_1"));
        Files.writeString(report(), "row,external_id\r\n");

        assertThatThrownBy(() -> new ReportWriter(report()).open(committed))
                .isInstanceOf(ReportTamperedException.class).hasMessageContaining("shorter");
    }

    @Test
    void a_deleted_report_is_refused() throws IOException {
        ExecutionContext committed = writeAndCommit(new ExecutionContext(), line(1, "usr_1"));
        Files.delete(report());

        assertThatThrownBy(() -> new ReportWriter(report()).open(committed))
                .isInstanceOf(ReportTamperedException.class).hasMessageContaining("deleted");
        assertThat(Files.exists(report())).isFalse();
    }

    @Test
    void formula_like_cells_are_neutralised() throws IOException {
        writeAndCommit(new ExecutionContext(), line(1, "=1+2"), line(2, "@SUM(A1)"));

        assertThat(Files.readAllLines(report())).element(1).asString().startsWith("1,'=1+2,");
        assertThat(Files.readAllLines(report())).element(2).asString().startsWith("2,'@SUM(A1),");
    }
}
