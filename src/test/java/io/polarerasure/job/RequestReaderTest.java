package io.polarerasure.job;

import static io.polarerasure.input.RequestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.polarerasure.input.InputFileException;
import io.polarerasure.input.RequestRow;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;

class RequestReaderTest {

    @TempDir
    Path dir;

    @Test
    void reads_every_row_then_null() throws Exception {
        RequestReader reader = new RequestReader(write(dir, "external_id\na\n\nb\n"), "external_id",
                Integer.MAX_VALUE);
        reader.open(new ExecutionContext());

        assertThat(reader.read()).isEqualTo(new RequestRow(1, 2, "a"));
        assertThat(reader.read()).isEqualTo(new RequestRow(2, 4, "b"));
        assertThat(reader.read()).isNull();
        reader.close();
    }

    @Test
    void a_file_of_a_header_and_no_rows_reads_nothing() throws Exception {
        // A day without requests: the export holds its header only (or blank lines the scan skips).
        RequestReader reader = new RequestReader(write(dir, "external_id\n\n"), "external_id", 0);
        reader.open(new ExecutionContext());

        assertThat(reader.read()).isNull();
        reader.close();
    }

    @Test
    void restart_continues_after_the_saved_position() throws Exception {
        Path file = write(dir, "name;external_id\nAnn;a\nBob;\"b\nb\"\nCid;c\nDan;d\nEve;e\n");
        ExecutionContext context = contextAfterThreeRows(file);

        RequestReader second = new RequestReader(file, "external_id", Integer.MAX_VALUE);
        second.open(context);
        List<RequestRow> rest = new ArrayList<>();
        for (RequestRow row = second.read(); row != null; row = second.read()) {
            rest.add(row);
        }
        second.close();

        assertThat(context.getInt("requestReader.read.count")).isEqualTo(3);
        assertThat(rest).containsExactly(new RequestRow(4, 6, "d"), new RequestRow(5, 7, "e"));
    }

    @Test
    void restart_on_a_shorter_file_fails() throws Exception {
        Path file = write(dir, "external_id\na\nb\nc\n");
        ExecutionContext context = contextAfterThreeRows(file);
        write(dir, "external_id\na\n");

        RequestReader second = new RequestReader(file, "external_id", Integer.MAX_VALUE);
        assertThatThrownBy(() -> second.open(context))
                .isInstanceOf(ItemStreamException.class)
                .rootCause()
                .isInstanceOf(InputFileException.class)
                .hasMessageContaining("has 1 rows, but an earlier run of this job had already read 3");
    }

    /** What the step saves when a run commits after three rows and then fails. */
    private static ExecutionContext contextAfterThreeRows(Path file) throws Exception {
        ExecutionContext context = new ExecutionContext();
        RequestReader reader = new RequestReader(file, "external_id", Integer.MAX_VALUE);
        reader.open(context);
        for (int i = 0; i < 3; i++) {
            reader.read();
        }
        reader.update(context);
        reader.close();
        return context;
    }

    @Test
    void open_reports_an_unusable_file() {
        RequestReader reader = new RequestReader(write(dir, "customer\na\n"), "external_id", Integer.MAX_VALUE);

        assertThatThrownBy(() -> reader.open(new ExecutionContext()))
                .isInstanceOf(ItemStreamException.class)
                .rootCause()
                .isInstanceOf(InputFileException.class)
                .hasMessageContaining("no column named external_id");
    }
}
