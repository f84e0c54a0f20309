package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import io.polarerasure.TestPostgres;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** The ledger on both repository databases: what it keeps, idempotent writes (as abandon needs), pruning. */
class LedgerTest {

    private static final Instant AT = Instant.parse("2026-11-30T10:15:30.123Z");
    private static final String SHA = "a".repeat(64);
    private static final Path REPORT = Path.of("/reports/requests.audit.csv");

    @TempDir
    Path dir;

    @Test
    void keeps_definitive_answers_only_and_finds_them_by_exact_id_on_h2() throws SQLException {
        exercise(new DriverManagerDataSource("jdbc:h2:file:" + dir.resolve("repository"), "sa", ""));
    }

    @Test
    void keeps_definitive_answers_only_and_finds_them_by_exact_id_on_postgresql() throws SQLException {
        try (TestPostgres.Schema schema = TestPostgres.Schema.fresh()) {
            exercise(new DriverManagerDataSource(schema.url(), TestPostgres.USER, ""));
        }
    }

    private static AuditLine line(long row, String id, Outcome outcome, Integer status, Instant at) {
        return new AuditLine(row, id, outcome, status, 1, "detail not kept", at);
    }

    private static void exercise(DataSource dataSource) throws SQLException {
        RepositorySchema.ensure(dataSource);
        RepositorySchema.ensure(dataSource); // a second start changes nothing
        Ledger ledger = new Ledger(dataSource);
        String longId = "x".repeat(5_000) + " é\t";

        ledger.recordAnswers(7, SHA, REPORT, List.of(
                line(1, "usr_1", Outcome.DELETED, 204, AT),
                line(2, "usr_2", Outcome.NOT_FOUND, 404, AT),
                line(3, "usr_3", Outcome.FAILED, 503, AT),
                line(4, "", Outcome.INVALID, null, AT),
                line(5, "usr_5", Outcome.INVALID, 422, AT),
                line(6, "usr_6", Outcome.REVIEW, 200, AT),
                line(7, "usr_1", Outcome.DUPLICATE, null, AT),
                line(8, longId, Outcome.DELETED, 204, AT.minusSeconds(86_400))));
        // Written again, as abandon may for answers a committed chunk already holds: replaced, not doubled.
        ledger.recordAnswers(7, SHA, REPORT, List.of(line(1, "usr_1", Outcome.DELETED, 204, AT)));
        ledger.recordAnswers(9, "b".repeat(64), REPORT, List.of(line(1, "usr_1", Outcome.NOT_FOUND, 404,
                AT.plusSeconds(60))));

        assertThat(ledger.entriesFor("usr_1")).containsExactly(
                new Ledger.Entry(7, SHA, 1, "usr_1", Outcome.DELETED, 204, AT, REPORT.toString()),
                new Ledger.Entry(9, "b".repeat(64), 1, "usr_1", Outcome.NOT_FOUND, 404, AT.plusSeconds(60),
                        REPORT.toString()));
        assertThat(ledger.lastErasure("usr_1")).get().extracting(Ledger.Entry::jobInstanceId).isEqualTo(7L);
        assertThat(ledger.entriesFor("USR_1")).as("exact match, as at Polar").isEmpty();
        assertThat(ledger.entriesFor("usr_3")).as("no definitive answer").isEmpty();
        assertThat(ledger.entriesFor("")).isEmpty();
        assertThat(ledger.entriesFor("usr_5")).extracting(Ledger.Entry::outcome).containsExactly(Outcome.INVALID);
        assertThat(ledger.entriesFor("usr_6")).extracting(Ledger.Entry::httpStatus).containsExactly(200);
        assertThat(ledger.entriesFor(longId)).hasSize(1);

        assertThat(ledger.pruneBefore(AT)).as("only the entry answered a day earlier").isEqualTo(1);
        assertThat(ledger.entriesFor(longId)).isEmpty();
        assertThat(ledger.entriesFor("usr_2")).hasSize(1);
    }
}
