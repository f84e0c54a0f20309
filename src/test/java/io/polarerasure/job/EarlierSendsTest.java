package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import io.polarerasure.input.RequestRow;
import io.polarerasure.input.RetryOrigin;
import io.polarerasure.polar.EarlierAttempts;
import io.polarerasure.polar.RowFault;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.junit.jupiter.api.Test;

class EarlierSendsTest {

    private static final Instant SENT = Instant.parse("2026-11-30T02:00:00Z");
    private static final Instant SINCE = Instant.parse("2026-11-30T01:00:00Z");
    private static final RequestRow ROW = new RequestRow(7, 8, "cus_7");

    @Test
    void a_recorded_answer_is_taken_as_it_is_and_nothing_is_in_doubt() {
        AuditLine line = new AuditLine(7, "cus_7", Outcome.DELETED, 204, 1, "", SENT);

        EarlierSends sends = EarlierSends.of(ROW, new OutcomeJournal.Entry(false, line), SINCE);

        assertThat(sends.answered()).isEqualTo(line);
        assertThat(sends.interrupted()).isFalse();
        assertThat(sends.earlier()).isEqualTo(EarlierAttempts.NONE);
    }

    @Test
    void a_request_sent_without_a_recorded_answer_puts_the_row_in_doubt_since_it_was_sent() {
        EarlierSends sends = EarlierSends.of(ROW, new OutcomeJournal.Entry(true, null, 2, SENT), SINCE);

        assertThat(sends.answered()).isNull();
        assertThat(sends.interrupted()).isTrue();
        assertThat(sends.earlier()).isEqualTo(EarlierAttempts.recorded(2, SENT));
    }

    @Test
    void a_row_of_a_lost_journal_is_in_doubt_since_the_uncommitted_executions_began() {
        EarlierSends sends = EarlierSends.of(ROW, new OutcomeJournal.Entry(true, null), SINCE);

        assertThat(sends.interrupted()).isTrue();
        assertThat(sends.earlier()).isEqualTo(new EarlierAttempts(0, SINCE, false));
        assertThat(sends.earlier().inDoubt()).isTrue();
    }

    @Test
    void withdrawn_deletes_are_counted_and_not_in_doubt() {
        EarlierSends sends = EarlierSends.of(ROW, OutcomeJournal.Entry.withdrawn(3), SINCE);

        assertThat(sends.interrupted()).isFalse();
        assertThat(sends.withdrawn()).isEqualTo(3);
        assertThat(sends.earlier()).isEqualTo(EarlierAttempts.NONE);
    }

    @Test
    void a_retry_files_row_in_doubt_is_in_doubt_since_the_earlier_of_both_times() {
        RequestRow retried = new RequestRow(7, 8, "cus_7", "cus_7", null,
                new RetryOrigin("3", "run 1", "first.audit.csv", SINCE, ""));

        EarlierAttempts fromFile = EarlierSends.of(retried, null, SENT).earlier();
        EarlierAttempts both = EarlierSends.of(retried, new OutcomeJournal.Entry(true, null, 1,
                SINCE.minusSeconds(60)), SENT).earlier();

        assertThat(fromFile.inDoubt()).isTrue();
        assertThat(fromFile.sentByThisRun()).isFalse();
        assertThat(fromFile.doubtSince()).isEqualTo(SINCE);
        assertThat(fromFile.original().report()).isEqualTo("first.audit.csv");
        assertThat(both.sent()).isEqualTo(1);
        assertThat(both.doubtSince()).isEqualTo(SINCE.minusSeconds(60));
        assertThat(both.original().since()).isEqualTo(SINCE);
    }

    @Test
    void marks_are_withdrawn_only_after_a_fault_that_provably_changed_nothing() {
        EarlierSends fresh = EarlierSends.of(ROW, null, SINCE);
        EarlierSends interrupted = EarlierSends.of(ROW, new OutcomeJournal.Entry(true, null, 1, SENT), SINCE);

        assertThat(fresh.withdrawsAfter(new Fault(false))).isTrue();
        assertThat(fresh.withdrawsAfter(new Fault(true))).as("its answer was lost").isFalse();
        assertThat(interrupted.withdrawsAfter(new Fault(false))).as("an earlier answer was lost").isFalse();
        assertThat(fresh.withdrawsAfter(new LeaseLostException("taken over", false))).isFalse();
        assertThat(fresh.withdrawsAfter(new IllegalStateException("a bug"))).isFalse();
    }

    private static final class Fault extends RuntimeException implements RowFault {

        private static final long serialVersionUID = 1L;

        private final boolean landed;

        Fault(boolean landed) {
            this.landed = landed;
        }

        @Override
        public boolean rowMayHaveLanded() {
            return landed;
        }
    }
}
