package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

import io.polarerasure.job.Progress;
import io.polarerasure.polar.Rate;
import io.polarerasure.polar.SendingState;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.junit.jupiter.api.Test;

class ProgressPrinterTest {

    private static final Clock AT = Clock.fixed(Instant.parse("2026-11-30T02:30:10Z"), ZoneOffset.UTC);

    /** The line at {@link #AT} with nothing waited for. */
    private static String lineAt(Progress.Snapshot snapshot, long total, Duration elapsed, String rate) {
        return ProgressPrinter.line(snapshot, total, elapsed, Rate.parse(rate), Optional.empty(), AT);
    }

    @Test
    void a_line_tells_rows_answered_rate_of_the_last_minute_time_left_at_the_configured_rate_and_outcomes() {
        Progress.Snapshot snapshot = new Progress.Snapshot(1100, 1100,
                Map.of(Outcome.DELETED, 1000L, Outcome.FAILED, 100L), 1200, 300);

        assertThat(lineAt(snapshot, 5000, Duration.ofMinutes(4), "300/min"))
                .isEqualTo("progress: 1200/5000 rows answered (24.0%), 1100 in the report; 300/min over the last"
                        + " minute, about 12 min 40 s left at 300/min; DELETED 1000, FAILED 100");
    }

    @Test
    void rows_answered_before_their_checkpoint_count_at_once() {
        Progress.Snapshot snapshot = new Progress.Snapshot(0, 0, Map.of(), 20, 20);

        assertThat(lineAt(snapshot, 200, Duration.ofSeconds(10), "300/min"))
                .startsWith("progress: 20/200 rows answered (10.0%), 0 in the report; 120/min over the last 10 s,"
                        + " about 1 min 30 s left at the rate seen");
    }

    @Test
    void in_the_first_minute_time_left_follows_the_rate_seen_where_the_limit_is_far_above_it() {
        Progress.Snapshot snapshot = new Progress.Snapshot(0, 0, Map.of(), 80_000, 80_000);

        assertThat(lineAt(snapshot, 200_000, Duration.ofSeconds(20), "1000000/s"))
                .as("not 'about 0 s left at 1000000/s'")
                .contains("240000/min over the last 20 s, about 30 s left at the rate seen");
        assertThat(lineAt(snapshot, 200_000, Duration.ofSeconds(5), "1000000/s"))
                .as("from the first seconds on").contains("960000/min over the last 5 s, about 8 s left at the rate seen");
    }

    @Test
    void a_slower_rate_seen_over_a_full_minute_sets_the_time_left() {
        Progress.Snapshot snapshot = new Progress.Snapshot(100, 100, Map.of(Outcome.DELETED, 100L), 100, 30);

        assertThat(lineAt(snapshot, 160, Duration.ofMinutes(3), "300/min"))
                .isEqualTo("progress: 100/160 rows answered (62.5%); 30/min over the last minute, about 2 min 0 s"
                        + " left at the rate seen; DELETED 100");
    }

    @Test
    void a_resumed_run_counts_earlier_rows_as_done_and_outcomes_of_this_session() {
        Progress.Snapshot snapshot = new Progress.Snapshot(90_000, 3_600, Map.of(Outcome.NOT_FOUND, 3_600L),
                90_000, 300);

        assertThat(lineAt(snapshot, 100_000, Duration.ofMinutes(12), "300/min"))
                .isEqualTo("progress: 90000/100000 rows answered (90.0%); 300/min over the last minute, about 33 min"
                        + " 20 s left at 300/min; NOT_FOUND 3600 (counts of this session)");
    }

    @Test
    void a_wait_shows_while_it_lasts_with_when_it_ends() {
        Progress.Snapshot snapshot = new Progress.Snapshot(10, 10, Map.of(Outcome.DELETED, 10L), 10, 10);
        SendingState.Waiting pause = new SendingState.Waiting("paused 60 s for Polar's rate limit (429)",
                Optional.of(Instant.parse("2026-11-30T02:31:10Z")));

        assertThat(ProgressPrinter.line(snapshot, 20, Duration.ofSeconds(30), Rate.parse("300/min"),
                Optional.of(pause), AT))
                .contains("about 1 min 2 s left at 300/min").as("ten rows at 300/min after the pause's 60 s")
                .endsWith("; DELETED 10; paused 60 s for Polar's rate limit (429), resuming 02:31:10");
        assertThat(ProgressPrinter.line(snapshot, 20, Duration.ofSeconds(30), Rate.parse("300/min"),
                Optional.of(pause), Clock.offset(AT, Duration.ofSeconds(61))))
                .as("a wait that is over is not shown").endsWith("; DELETED 10");
    }

    @Test
    void before_the_first_answer_there_is_no_estimate() {
        assertThat(ProgressPrinter.line(new Progress.Snapshot(0, 0, Map.of()), 10, Duration.ZERO))
                .isEqualTo("progress: 0/10 rows answered (0.0%); waiting for the first answer (0 s so far)");
    }

    @Test
    void rows_settled_without_an_answer_are_no_progress_while_the_url_stays_silent() {
        // Two rows INVALID and DUPLICATE (no request), four sent to a URL that never answers: none is answered.
        Progress.Snapshot snapshot = new Progress.Snapshot(0, 0, Map.of(), 2, 0, 0);
        SendingState.Waiting retry = new SendingState.Waiting("retrying a row (no answer within 30 s), attempt 2"
                + " of 6", Optional.empty());

        assertThat(ProgressPrinter.line(snapshot, 32, Duration.ofSeconds(40), Rate.parse("300/min"),
                Optional.of(retry), AT))
                .isEqualTo("progress: 0/32 rows answered (0.0%), 2 settled without an answer, 0 in the report;"
                        + " waiting for the first answer (40 s so far); retrying a row (no answer within 30 s),"
                        + " attempt 2 of 6");
    }

    @Test
    void a_resumed_run_waits_for_the_first_answer_of_this_session() {
        Progress.Snapshot snapshot = new Progress.Snapshot(40, 0, Map.of(), 40, 0, 40);

        assertThat(lineAt(snapshot, 100, Duration.ofSeconds(20), "300/min"))
                .as("no '(counts of this session)' without counts")
                .isEqualTo("progress: 40/100 rows answered (40.0%); waiting for the first answer (20 s so far)");
    }

    @Test
    void progress_from_the_job_counts_only_rows_polar_answered_timed_by_an_injected_clock() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-30T02:00:00Z"));
        Progress progress = new Progress(clock);
        Instant started = clock.instant();
        progress.answered(AuditLine.withoutCall(1, "a/b", Outcome.INVALID, "contains '/'", started));
        clock.now = clock.now.plusSeconds(30);
        // Every request of the row timed out: the row is decided (FAILED) but nothing answered.
        progress.answered(new AuditLine(2, "usr_2", Outcome.FAILED, null, 6, "gave up", clock.now));

        assertThat(ProgressPrinter.line(progress.snapshot(), 10, Duration.between(started, clock.now),
                Rate.parse("300/min"), Optional.empty(), clock))
                .isEqualTo("progress: 0/10 rows answered (0.0%), 2 settled without an answer, 0 in the report;"
                        + " waiting for the first answer (30 s so far)");

        clock.now = clock.now.plusSeconds(30);
        progress.answered(new AuditLine(3, "usr_3", Outcome.DELETED, 204, 1, "", clock.now));

        assertThat(ProgressPrinter.line(progress.snapshot(), 10, Duration.between(started, clock.now),
                Rate.parse("300/min"), Optional.empty(), clock))
                .isEqualTo("progress: 1/10 rows answered (10.0%), 2 settled without an answer, 0 in the report;"
                        + " 1/min over the last minute, about 7 min 0 s left at the rate seen");
    }

    /** A clock the test moves. */
    private static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
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

    @Test
    void a_resume_filing_what_a_killed_run_left_says_so_before_any_answer() {
        Progress progress = new Progress(AT);

        progress.filing(135_000, 300_000);

        assertThat(ProgressPrinter.line(progress, 300_000, Duration.ofSeconds(3), null, Optional.empty(), AT))
                .isEqualTo("progress: filing the ledger: 135,000 of 300,000 answers");
    }

    @Test
    void before_the_step_starts_the_line_says_the_run_is_starting_not_that_it_waits_for_an_answer() {
        Progress progress = new Progress(AT);

        assertThat(ProgressPrinter.line(progress, 300_000, Duration.ofSeconds(6), null, Optional.empty(), AT))
                .startsWith("progress: starting the run (its report and job repository; 6 s so far)")
                .doesNotContain("0/300000").doesNotContain("waiting for the first answer");

        progress.beforeStep(new org.springframework.batch.core.step.StepExecution(1L, "erase",
                new org.springframework.batch.core.job.JobExecution(1L,
                        new org.springframework.batch.core.job.JobInstance(1L, "polarErasure"),
                        new org.springframework.batch.core.job.parameters.JobParameters())));
        assertThat(ProgressPrinter.line(progress, 300_000, Duration.ofSeconds(8), null, Optional.empty(), AT))
                .as("timed from the step's start, not from the 8 s of starting (a resume's filing, say)")
                .startsWith("progress: 0/300000 rows answered (0.0%); waiting for the first answer (0 s so far)");
    }

    @Test
    void while_the_ledger_is_filed_the_line_says_how_far_instead_of_a_silent_hundred_percent() {
        Progress progress = new Progress(AT);
        AuditLine first = new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT.instant());
        AuditLine second = new AuditLine(2, "usr_2", Outcome.DELETED, 204, 1, "", AT.instant());
        progress.answered(first);
        progress.answered(second);
        progress.afterWrite(new org.springframework.batch.infrastructure.item.Chunk<>(first, second));

        progress.filing(40_000, 100_000);
        assertThat(ProgressPrinter.line(progress, 2, Duration.ofMinutes(1), null, Optional.empty(), AT))
                .isEqualTo("progress: 2/2 rows answered; filing the ledger: 40,000 of 100,000 answers");

        progress.filingDone();
        assertThat(ProgressPrinter.line(progress, 2, Duration.ofMinutes(1), null, Optional.empty(), AT))
                .as("filed: the ordinary line again").startsWith("progress: 2/2 rows answered (100.0%)")
                .doesNotContain("filing");
    }

    @Test
    void stop_returns_once_a_live_status_being_written_is_written() throws Exception {
        java.util.concurrent.CountDownLatch writing = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean written = new java.util.concurrent.atomic.AtomicBoolean();
        ProgressPrinter printer = ProgressPrinter.start(new Progress(), 10, Duration.ZERO, Clock.systemUTC(),
                new java.io.PrintWriter(java.io.Writer.nullWriter()), false, null, Optional::empty, snapshot -> {
                    writing.countDown();
                    long until = System.nanoTime() + 300_000_000L;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait(); // a write that an interrupt does not cut short
                    }
                    written.set(true);
                });
        assertThat(writing.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        printer.stop();

        assertThat(written).as("the caller deletes the live status next: it must not come back").isTrue();
    }
}
