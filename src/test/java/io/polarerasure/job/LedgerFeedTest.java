package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The ledger entries written by workers as answers arrive commit and roll back with the chunk's transaction,
 * exactly as when the chunk's end wrote them; nothing is written outside a chunk.
 */
class LedgerFeedTest {

    private static final Instant AT = LedgerTest.AT;
    private static final String SHA = LedgerTest.SHA;
    private static final Path REPORT = LedgerTest.REPORT;

    @TempDir
    Path dir;

    private SingleConnectionDataSource dataSource;
    private Ledger ledger;
    private TransactionTemplate chunk;
    private final ExecutorService workers = Executors.newFixedThreadPool(4);

    @BeforeEach
    void repository() throws SQLException {
        dataSource = new SingleConnectionDataSource("jdbc:h2:file:" + dir.resolve("repository"), "sa", "", true);
        RepositorySchema.ensure(dataSource);
        ledger = new Ledger(dataSource);
        chunk = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    @AfterEach
    void close() {
        workers.shutdownNow();
        dataSource.destroy();
    }

    private static AuditLine line(long row, Outcome outcome, Integer status) {
        return new AuditLine(row, "usr_" + row, outcome, status, 1, "detail", AT);
    }

    private LedgerFeed feed(DataSource source, boolean enabled) {
        LedgerFeed feed = new LedgerFeed(ledger, source, enabled);
        feed.start(7, SHA, REPORT);
        return feed;
    }

    /** Offers the lines from worker threads, as the chunk's processing does, and waits for them. */
    private void offerFromWorkers(LedgerFeed feed, List<AuditLine> lines) {
        CompletableFuture.allOf(lines.stream().map(line -> CompletableFuture.runAsync(() -> feed.offer(line), workers))
                .toArray(CompletableFuture[]::new)).join();
    }

    private static List<AuditLine> answers(int rows) {
        return IntStream.rangeClosed(1, rows).mapToObj(row -> line(row, Outcome.DELETED, 204)).toList();
    }

    @Test
    void answers_offered_by_workers_commit_with_the_chunk_and_need_no_write_at_its_end() {
        LedgerFeed feed = feed(dataSource, true);
        List<AuditLine> lines = answers(200);
        List<AuditLine> left = chunk.execute(status -> {
            feed.beforeRead();
            offerFromWorkers(feed, lines);
            offerFromWorkers(feed, List.of(line(201, Outcome.FAILED, 503), line(202, Outcome.DUPLICATE, null)));
            return feed.notWritten(lines);
        });

        assertThat(left).isEmpty();
        assertThat(ledger.entriesOfRun(7, 1, 1_000)).hasSize(200)
                .allSatisfy(entry -> assertThat(entry.reportPath()).isEqualTo(REPORT.toAbsolutePath().toString()));
    }

    @Test
    void answers_offered_in_a_chunk_that_rolls_back_are_not_kept_and_none_are_written_between_chunks() {
        LedgerFeed feed = feed(dataSource, true);
        chunk.executeWithoutResult(status -> {
            feed.beforeRead();
            offerFromWorkers(feed, answers(50));
            status.setRollbackOnly();
        });
        // A worker that finishes after its chunk ended (a failed chunk) writes nothing.
        offerFromWorkers(feed, answers(3));

        assertThat(ledger.entriesOfRun(7, 1, 1_000)).isEmpty();
        assertThat(feed.notWritten(answers(3))).as("the chunk's end writes them").hasSize(3);
    }

    @Test
    void an_entry_already_in_the_ledger_is_replaced_as_abandon_would_replace_it() {
        ledger.recordAnswers(7, SHA, REPORT, List.of(line(1, Outcome.NOT_FOUND, 404)));
        LedgerFeed feed = feed(dataSource, true);
        chunk.executeWithoutResult(status -> {
            feed.beforeRead();
            offerFromWorkers(feed, List.of(line(1, Outcome.DELETED, 204), line(2, Outcome.DELETED, 204)));
        });

        assertThat(ledger.entriesOfRun(7, 1, 2)).extracting(Ledger.Entry::outcome)
                .containsExactly(Outcome.DELETED, Outcome.DELETED);
    }

    @Test
    void off_it_writes_nothing_and_leaves_every_line_to_the_chunks_end() {
        LedgerFeed feed = feed(dataSource, false);
        List<AuditLine> lines = answers(5);
        List<AuditLine> left = chunk.execute(status -> {
            feed.beforeRead();
            offerFromWorkers(feed, lines);
            return feed.notWritten(lines);
        });

        assertThat(left).isEqualTo(lines);
        assertThat(ledger.entriesOfRun(7, 1, 5)).isEmpty();
    }
}
