package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;

import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutcomeJournalTest {

    private static final Instant AT = Instant.parse("2026-11-28T10:00:00.123Z");
    /** In doubt, its attempts unknown: the journal of the interrupted execution was lost. */
    private static final OutcomeJournal.Entry SENDING = new OutcomeJournal.Entry(true, null);
    private static final OutcomeJournal.Entry SENT_ONCE = new OutcomeJournal.Entry(true, null, 1, AT);

    @TempDir
    Path dir;

    private Path file() {
        return OutcomeJournal.fileFor(dir, "run-a");
    }

    private OutcomeJournal journal(String boot) {
        return new OutcomeJournal(file(), boot);
    }

    private static AuditLine line(long row, Outcome outcome, Integer status, String detail) {
        return new AuditLine(row, "usr_" + row, outcome, status, 1, detail, AT);
    }

    @Test
    void a_resumed_execution_gets_every_mark_and_outcome_back() {
        OutcomeJournal first = journal("boot-1");
        assertThat(first.open(false, 1, 40)).isEmpty();
        for (long row = 1; row <= 4; row++) {
            first.markSending(row, 1, AT);
        }
        first.record(line(1, Outcome.DELETED, 204, ""));
        AuditLine awkward = line(3, Outcome.FAILED, null, "Polar said:\t\"no\"\r\nretry later, 100 % sure, ü ✓");
        first.record(awkward);
        first.unmark(2, 0); // refused before it was sent: nothing to count
        first.close();

        Map<Long, OutcomeJournal.Entry> entries = journal("boot-1").open(true, 1, 40);

        assertThat(entries).containsOnlyKeys(1L, 3L, 4L);
        assertThat(entries.get(1L)).isEqualTo(new OutcomeJournal.Entry(false, line(1, Outcome.DELETED, 204, "")));
        assertThat(entries.get(3L)).isEqualTo(new OutcomeJournal.Entry(false, awkward));
        assertThat(entries.get(4L)).as("sent, answer never recorded").isEqualTo(SENT_ONCE);
    }

    @Test
    void a_row_withdrawn_after_deletes_that_changed_nothing_keeps_their_count_but_is_not_in_doubt() {
        OutcomeJournal first = journal("boot-1");
        first.open(false, 1, 40);
        first.markSending(7, 1, AT); // answered 429
        first.markSending(7, 2, AT.plusSeconds(60)); // answered 429, then the run was stopped
        first.unmark(7, 2);
        first.close();

        OutcomeJournal second = journal("boot-1");
        Map<Long, OutcomeJournal.Entry> entries = second.open(true, 1, 40);
        second.close();

        assertThat(entries.get(7L)).isEqualTo(OutcomeJournal.Entry.withdrawn(2));
        assertThat(entries.get(7L).isWithdrawn()).isTrue();
        assertThat(entries.get(7L).sending()).as("not in doubt").isFalse();
        assertThat(journal("boot-1").open(true, 1, 40).get(7L)).as("kept by the rewrite of a reopened journal")
                .isEqualTo(OutcomeJournal.Entry.withdrawn(2));
    }

    @Test
    void every_delete_across_executions_is_counted_and_the_first_ones_time_is_kept() {
        OutcomeJournal first = journal("boot-1");
        first.open(false, 1, 40);
        first.markSending(5, 1, AT);
        first.markSending(5, 2, AT.plusSeconds(3));
        first.close();
        OutcomeJournal second = journal("boot-1");
        assertThat(second.open(true, 1, 40)).containsExactly(Map.entry(5L, new OutcomeJournal.Entry(true, null, 2, AT)));
        second.markSending(5, 3, AT.plusSeconds(60));
        second.close();

        assertThat(journal("boot-1").open(true, 1, 40))
                .containsExactly(Map.entry(5L, new OutcomeJournal.Entry(true, null, 3, AT)));
    }

    @Test
    void a_row_put_in_doubt_by_a_lost_journal_keeps_its_unknown_first_time_after_later_deletes() {
        OutcomeJournal after = journal("boot-2");
        after.open(true, 7, 7);
        after.markSending(7, 1, AT);
        after.close();

        assertThat(journal("boot-2").open(true, 7, 7))
                .containsExactly(Map.entry(7L, new OutcomeJournal.Entry(true, null, 1, null)));
    }

    @Test
    void a_first_execution_ignores_a_file_left_at_its_path() {
        OutcomeJournal stale = journal("boot-1");
        stale.open(false, 1, 40);
        stale.markSending(7, 1, AT);
        stale.close();

        assertThat(journal("boot-1").open(false, 1, 40)).isEmpty();
    }

    @Test
    void after_a_reboot_every_row_of_the_interrupted_chunk_without_an_outcome_is_possibly_sent() {
        OutcomeJournal before = journal("boot-1");
        before.open(false, 1, 5);
        before.markSending(11, 1, AT);
        before.record(line(11, Outcome.DELETED, 204, ""));
        before.markSending(12, 1, AT);
        before.close();

        Map<Long, OutcomeJournal.Entry> entries = journal("boot-2").open(true, 11, 15);

        assertThat(entries).containsOnlyKeys(11L, 12L, 13L, 14L, 15L);
        assertThat(entries.get(11L).line().outcome()).as("a recorded answer is still true").isEqualTo(Outcome.DELETED);
        assertThat(entries.get(13L)).isEqualTo(SENDING);
        assertThat(journal("boot-2").open(true, 11, 15)).as("the doubt survives another crash").isEqualTo(entries);
    }

    @Test
    void a_resumed_run_whose_journal_is_missing_treats_the_interrupted_chunk_as_possibly_sent() {
        Map<Long, OutcomeJournal.Entry> entries = journal("boot-1").open(true, 41, 43);

        assertThat(entries).containsOnlyKeys(41L, 42L, 43L).containsValue(SENDING);
        assertThat(file()).exists();
    }

    /** Row 1 marked SENDING by an execution of boot-1, then these bytes as if written after it. */
    private void journalOfRow1SentThenAppended(String text) throws IOException {
        OutcomeJournal before = journal("boot-1");
        before.open(false, 1, 5);
        before.markSending(1, 1, AT);
        before.close();
        Files.writeString(file(), text, StandardOpenOption.APPEND);
    }

    @Test
    void a_record_cut_short_by_a_crash_is_dropped() throws IOException {
        journalOfRow1SentThenAppended("O\t1\tusr_1\tDELETED\t20");

        assertThat(journal("boot-1").open(true, 1, 5)).containsExactly(Map.entry(1L, SENT_ONCE));
    }

    @Test
    void a_damaged_record_in_a_journal_of_this_boot_is_refused_with_its_line() throws IOException {
        journalOfRow1SentThenAppended("S\tone\nS\t2\n");

        assertThatThrownBy(() -> journal("boot-1").open(true, 1, 5)).hasMessageContaining(file() + " line 3")
                .hasMessageContaining("move it away");
    }

    @Test
    void clear_empties_it_and_delete_removes_it() throws IOException {
        OutcomeJournal journal = journal("boot-1");
        journal.open(false, 1, 5);
        journal.markSending(1, 1, AT);
        journal.record(line(1, Outcome.NOT_FOUND, 404, ""));
        journal.clear();
        journal.markSending(2, 1, AT);

        assertThat(OutcomeJournal.read(file())).containsExactly(Map.entry(2L, SENT_ONCE));
        assertThat(Files.readString(file(), StandardCharsets.UTF_8)).startsWith("polar-erasure journal 1 boot-1\n");

        journal.delete();
        assertThat(file()).doesNotExist();
        assertThatThrownBy(() -> journal.markSending(3, 1, AT)).hasMessageContaining("closed");
    }
}
