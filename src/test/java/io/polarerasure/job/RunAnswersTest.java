package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;

import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.junit.jupiter.api.Test;

class RunAnswersTest {

    private static final Instant AT = Instant.parse("2026-11-30T02:00:00Z");

    @Test
    void rows_after_the_checkpoint_are_settled_or_in_doubt_and_withdrawn_rows_are_neither() {
        Map<Long, OutcomeJournal.Entry> journal = Map.of(
                4L, new OutcomeJournal.Entry(false, new AuditLine(4, "a", Outcome.DELETED, 204, 1, "", AT)),
                11L, new OutcomeJournal.Entry(false, new AuditLine(11, "b", Outcome.NOT_FOUND, 404, 1, "", AT)),
                12L, new OutcomeJournal.Entry(true, null, 1, AT),
                13L, new OutcomeJournal.Entry(true, null),
                14L, OutcomeJournal.Entry.withdrawn(2));

        assertThat(RunAnswers.afterCheckpoint(journal, 10)).isEqualTo(new InterruptedChunk(1, 2));
        assertThat(RunAnswers.afterCheckpoint(journal, 3)).isEqualTo(new InterruptedChunk(2, 2));
        assertThat(RunAnswers.afterCheckpoint(journal, 14)).isEqualTo(new InterruptedChunk(0, 0));
    }
}
