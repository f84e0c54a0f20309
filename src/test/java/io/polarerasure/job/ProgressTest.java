package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;

class ProgressTest {

    @Test
    void says_the_ledger_is_being_filed_while_the_steps_end_files_it() {
        Progress progress = new Progress();
        assertThat(progress.filingLine()).isEmpty();

        progress.filing(40_000, 100_000);
        assertThat(progress.filingLine()).contains("filing the ledger: 40,000 of 100,000 answers");

        progress.filingDone();
        assertThat(progress.filingLine()).isEmpty();
    }

    @Test
    void counts_written_rows_on_top_of_the_checkpoint_a_resumed_step_starts_from() {
        Progress progress = new Progress();
        StepExecution step = new StepExecution(1L, "erase",
                new JobExecution(1L, new JobInstance(1L, "polarErasure"), new JobParameters()));
        step.getExecutionContext().putInt(RunHistory.ROWS_DONE, 40);

        progress.beforeStep(step);
        progress.afterWrite(new Chunk<>(List.of(line(41, Outcome.DELETED), line(42, Outcome.FAILED),
                line(43, Outcome.DELETED))));

        assertThat(progress.snapshot()).isEqualTo(new Progress.Snapshot(43, 3,
                Map.of(Outcome.DELETED, 2L, Outcome.FAILED, 1L), 43, 0, 40));
    }

    @Test
    void counts_rows_as_they_are_answered_before_their_chunk_commits_and_the_rate_of_the_last_minute() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-30T02:00:00Z"));
        Progress progress = new Progress(clock);
        StepExecution step = new StepExecution(1L, "erase",
                new JobExecution(1L, new JobInstance(1L, "polarErasure"), new JobParameters()));
        progress.beforeStep(step);

        for (int i = 1; i <= 20; i++) {
            progress.answered(line(i, Outcome.DELETED));
            clock.now = clock.now.plusSeconds(5);
        }

        Progress.Snapshot snapshot = progress.snapshot();
        assertThat(snapshot.answered()).isEqualTo(20);
        assertThat(snapshot.done()).as("nothing committed yet").isZero();
        assertThat(snapshot.answeredLastMinute()).as("answers of the last 60 s only").isEqualTo(11);
    }

    @Test
    void rows_settled_without_an_answer_count_as_decided_but_not_as_answered_nor_in_the_rate() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-30T02:00:00Z"));
        Progress progress = new Progress(clock);
        progress.beforeStep(new StepExecution(1L, "erase",
                new JobExecution(1L, new JobInstance(1L, "polarErasure"), new JobParameters())));

        progress.answered(AuditLine.withoutCall(1, "", Outcome.INVALID, "empty", clock.now));
        progress.answered(new AuditLine(2, "usr_2", Outcome.FAILED, null, 6, "no answer", clock.now));
        progress.answered(line(3, Outcome.DELETED));

        Progress.Snapshot snapshot = progress.snapshot();
        assertThat(snapshot.answered()).as("decided").isEqualTo(3);
        assertThat(snapshot.answeredByPolar()).isEqualTo(1);
        assertThat(snapshot.answeredByPolarNow()).isEqualTo(1);
        assertThat(snapshot.answeredLastMinute()).as("only Polar's answers make a rate").isEqualTo(1);
    }

    private static final class MutableClock extends java.time.Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static AuditLine line(long row, Outcome outcome) {
        return new AuditLine(row, "id" + row, outcome, 204, 1, "", Instant.EPOCH);
    }
}
