package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.polarerasure.TestPostgres;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** The outcome journal in a real PostgreSQL schema: what a resuming host, any host, reads back. */
class DatabaseJournalTest {

    /** A row in doubt whose attempts are unknown: the interrupted chunk of a run without a journal. */
    private static final OutcomeJournal.Entry SENDING = new OutcomeJournal.Entry(true, null);
    private static final Instant SENT_AT = Instant.ofEpochMilli(1_700_000_000_123L);

    private TestPostgres.Schema schema;
    private DriverManagerDataSource dataSource;

    @BeforeEach
    void repository() throws SQLException {
        schema = TestPostgres.Schema.fresh();
        dataSource = new DriverManagerDataSource(schema.url(), TestPostgres.USER, "");
        RepositorySchema.ensure(dataSource);
    }

    @AfterEach
    void drop() throws SQLException {
        schema.close();
    }

    private static AuditLine line(long row, String detail) {
        return new AuditLine(row, "cus_" + row, Outcome.DELETED, 204, 1, detail, Instant.ofEpochMilli(1_700_000_000_000L));
    }

    @Test
    void a_resuming_host_reads_every_mark_and_outcome_of_concurrent_workers() throws Exception {
        DatabaseJournal journal = new DatabaseJournal(dataSource, "run-a");
        journal.open(false, 0, 0);
        ExecutorService workers = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (long row = 1; row <= 200; row++) {
            long r = row;
            done.add(workers.submit(() -> {
                journal.markSending(r, 1, SENT_AT);
                if (r % 4 != 0) {
                    journal.record(line(r, "tab\there, line\nbreak"));
                }
            }));
        }
        for (Future<?> future : done) {
            future.get();
        }
        workers.shutdown();
        journal.unmark(200, 0);

        Map<Long, OutcomeJournal.Entry> entries = new DatabaseJournal(dataSource, "run-a").open(true, 201, 220);

        assertThat(entries).hasSize(199);
        assertThat(entries.get(1L)).isEqualTo(new OutcomeJournal.Entry(false, line(1, "tab\there, line\nbreak")));
        assertThat(entries.get(4L)).as("a DELETE without an answer, with its number and time")
                .isEqualTo(new OutcomeJournal.Entry(true, null, 1, SENT_AT));
        assertThat(entries).doesNotContainKey(200L);
        long commits = new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM " + DatabaseJournal.TABLE,
                Long.class);
        assertThat(commits).as("records kept after reopening: header plus entries").isEqualTo(200);
    }

    @Test
    void clear_keeps_the_header_so_a_resume_trusts_the_empty_journal() {
        DatabaseJournal journal = new DatabaseJournal(dataSource, "run-a");
        journal.open(false, 0, 0);
        journal.markSending(1, 1, SENT_AT);
        journal.record(line(1, ""));
        journal.clear();

        assertThat(new DatabaseJournal(dataSource, "run-a").open(true, 2, 6)).isEmpty();
    }

    @Test
    void a_run_without_a_journal_in_the_repository_has_its_interrupted_chunk_in_doubt() {
        Map<Long, OutcomeJournal.Entry> entries = new DatabaseJournal(dataSource, "run-b").open(true, 11, 13);

        assertThat(entries).containsOnly(Map.entry(11L, SENDING), Map.entry(12L, SENDING), Map.entry(13L, SENDING));
    }

    @Test
    void a_completed_run_leaves_no_record() throws SQLException {
        DatabaseJournal journal = new DatabaseJournal(dataSource, "run-a");
        journal.open(false, 0, 0);
        journal.markSending(1, 1, SENT_AT);
        journal.delete();

        assertThat(DatabaseJournal.read(dataSource, "run-a")).isEmpty();
        assertThat(new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM " + DatabaseJournal.TABLE,
                Long.class)).isZero();
    }
}
