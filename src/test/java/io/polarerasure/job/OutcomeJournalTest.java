package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;

import javax.sql.DataSource;

import io.polarerasure.TestPostgres;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

class OutcomeJournalTest {

    private static final Instant AT = Instant.parse("2026-11-28T10:00:00.123Z");

    private static OutcomeJournal journal(DataSource dataSource) throws Exception {
        RepositorySchema.ensure(dataSource);
        return new OutcomeJournal(new JdbcTemplate(dataSource), new JdbcTransactionManager(dataSource));
    }

    private static DataSource h2() {
        return new DriverManagerDataSource("jdbc:h2:mem:journal" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", "");
    }

    @Test
    void keeps_sending_marks_and_outcomes_per_run() throws Exception {
        behaves_as_a_journal(h2());
    }

    @Test
    void keeps_sending_marks_and_outcomes_per_run_on_postgresql() throws Exception {
        try (TestPostgres.Schema postgres = TestPostgres.Schema.fresh()) {
            behaves_as_a_journal(new DriverManagerDataSource(postgres.url(), TestPostgres.USER, ""));
        }
    }

    private static void behaves_as_a_journal(DataSource dataSource) throws Exception {
        OutcomeJournal journal = journal(dataSource);
        journal.markSending("run-a", 1, "usr_1");
        journal.markSending("run-a", 2, "usr_2");
        journal.markSending("run-a", 3, "usr_3");
        journal.markSending("run-b", 1, "other");
        journal.record("run-a", new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT));
        journal.record("run-a", new AuditLine(3, "usr_3", Outcome.FAILED, null, 6, "timeout", AT));
        journal.unmark("run-b", 1);
        journal.flush();

        Map<Long, OutcomeJournal.Entry> a = journal.load("run-a");

        assertThat(a).containsOnlyKeys(1L, 2L, 3L);
        assertThat(a.get(1L)).isEqualTo(new OutcomeJournal.Entry(false,
                new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT)));
        assertThat(a.get(2L).sending()).isTrue();
        assertThat(a.get(3L).line().httpStatus()).isNull();
        assertThat(journal.load("run-b")).isEmpty();

        new TransactionTemplate(new JdbcTransactionManager(dataSource))
                .executeWithoutResult(status -> journal.forgetThrough("run-a", 2));
        assertThat(journal.load("run-a")).containsOnlyKeys(3L);
        journal.forget("run-a");
        assertThat(journal.load("run-a")).isEmpty();
    }

    @Test
    void a_failed_outcome_write_surfaces_at_the_next_flush() throws Exception {
        DataSource dataSource = h2();
        OutcomeJournal journal = journal(dataSource);
        journal.markSending("run", 1, "usr_1");
        new JdbcTemplate(dataSource).execute("DROP TABLE erasure_journal");
        journal.record("run", new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT));

        assertThatThrownBy(journal::flush).isInstanceOf(DataAccessException.class);
    }

    @Test
    void a_refused_mark_throws_to_its_caller_and_does_not_poison_later_flushes() throws Exception {
        OutcomeJournal journal = journal(h2());
        journal.markSending("run", 1, "usr_1");

        assertThatThrownBy(() -> journal.markSending("run", 1, "usr_1")).isInstanceOf(DuplicateKeyException.class);
        journal.record("run", new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT));
        journal.flush();
        assertThat(journal.load("run").get(1L).line().outcome()).isEqualTo(Outcome.DELETED);
    }

    @Test
    void closing_commits_what_is_queued_and_refuses_later_writes_instead_of_blocking() throws Exception {
        DataSource dataSource = h2();
        OutcomeJournal journal = journal(dataSource);
        journal.markSending("run", 1, "usr_1");
        journal.record("run", new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT));

        journal.close();

        assertThatThrownBy(() -> journal.markSending("run", 2, "usr_2")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThat(journal.load("run").get(1L).line().outcome()).isEqualTo(Outcome.DELETED);
    }

    @Test
    void a_mark_commits_even_when_the_surrounding_chunk_rolls_back() throws Exception {
        DataSource dataSource = h2();
        OutcomeJournal journal = journal(dataSource);
        TransactionTemplate chunk = new TransactionTemplate(new JdbcTransactionManager(dataSource));

        chunk.executeWithoutResult(status -> {
            journal.markSending("run", 7, "usr_7");
            journal.forgetThrough("run", 100);
            status.setRollbackOnly();
        });

        assertThat(journal.load("run")).containsOnlyKeys(7L);
    }
}
