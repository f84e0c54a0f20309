package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import io.polarerasure.job.Progress;
import io.polarerasure.report.Outcome;

import org.junit.jupiter.api.Test;

class ProgressPrinterTest {

    @Test
    void a_line_tells_rows_rate_time_left_and_outcomes() {
        Progress.Snapshot snapshot = new Progress.Snapshot(1200, 1200,
                Map.of(Outcome.DELETED, 1100L, Outcome.FAILED, 100L));

        assertThat(ProgressPrinter.line(snapshot, 5000, Duration.ofMinutes(4)))
                .isEqualTo("progress: 1200/5000 rows (24.0%), 5.0 rows/s, about 12 min 40 s left;"
                        + " DELETED 1100, FAILED 100");
    }

    @Test
    void a_resumed_run_counts_earlier_rows_as_done_but_rates_only_this_session() {
        Progress.Snapshot snapshot = new Progress.Snapshot(90_000, 3_600, Map.of(Outcome.NOT_FOUND, 3_600L));

        assertThat(ProgressPrinter.line(snapshot, 100_000, Duration.ofMinutes(12)))
                .isEqualTo("progress: 90000/100000 rows (90.0%), 5.0 rows/s, about 33 min 20 s left;"
                        + " NOT_FOUND 3600 (counts of this session)");
    }

    @Test
    void before_the_first_chunk_there_is_no_estimate() {
        assertThat(ProgressPrinter.line(new Progress.Snapshot(0, 0, Map.of()), 10, Duration.ZERO))
                .isEqualTo("progress: 0/10 rows (0.0%), 0.0 rows/s");
    }

    @Test
    void on_a_terminal_the_line_is_redrawn_in_place_and_ended_once() {
        java.io.StringWriter text = new java.io.StringWriter();
        ProgressPrinter.Line line = new ProgressPrinter.Line(new java.io.PrintWriter(text), true);

        line.show("progress: 10/20 rows");
        line.show("progress: 9/20");
        line.end();

        assertThat(text.toString()).isEqualTo("\rprogress: 10/20 rows\rprogress: 9/20      " + System.lineSeparator());
    }

    @Test
    void in_a_log_each_update_is_a_line_of_its_own() {
        java.io.StringWriter text = new java.io.StringWriter();
        ProgressPrinter.Line line = new ProgressPrinter.Line(new java.io.PrintWriter(text), false);

        line.show("a");
        line.show("b");
        line.end();

        assertThat(text.toString()).isEqualTo("a" + System.lineSeparator() + "b" + System.lineSeparator());
    }
}
