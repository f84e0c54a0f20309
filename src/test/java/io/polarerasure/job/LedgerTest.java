package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The ledger on both repository databases: what it keeps, idempotent writes (as abandon needs), pruning; a chunk's
 * page read like filed entries, then filed.
 */
class LedgerTest {

    private static final Instant AT = Instant.parse("2026-11-30T10:15:30.123Z");
    private static final String SHA = "a".repeat(64);
    private static final Path REPORT = Path.of("/reports/requests.audit.csv");
    private static final String API = "https://api.polar.sh";

    @TempDir
    Path dir;

    private DataSource h2() {
        return new DriverManagerDataSource("jdbc:h2:file:" + dir.resolve("repository"), "sa", "");
    }

    private interface Exercise {
        void on(DataSource dataSource) throws SQLException;
    }

    /** Runs the exercise on a fresh schema of the test PostgreSQL, dropped afterwards. */
    private static void onPostgresql(Exercise exercise) throws SQLException {
        try (TestPostgres.Schema schema = TestPostgres.Schema.fresh()) {
            exercise.on(new DriverManagerDataSource(schema.url(), TestPostgres.USER, ""));
        }
    }

    @Test
    void keeps_definitive_answers_only_and_finds_them_by_exact_id_on_h2() throws SQLException {
        exercise(h2());
    }

    @Test
    void keeps_definitive_answers_only_and_finds_them_by_exact_id_on_postgresql() throws SQLException {
        onPostgresql(LedgerTest::exercise);
    }

    @Test
    void a_chunks_page_reads_like_filed_entries_and_files_into_them_on_h2() throws SQLException {
        pages(h2());
    }

    @Test
    void a_chunks_page_reads_like_filed_entries_and_files_into_them_on_postgresql() throws SQLException {
        onPostgresql(LedgerTest::pages);
    }

    @Test
    void filing_tells_its_progress_and_replaces_rows_already_filed_on_h2() throws SQLException {
        filing(h2());
    }

    @Test
    void filing_tells_its_progress_and_replaces_rows_already_filed_on_postgresql() throws SQLException {
        onPostgresql(LedgerTest::filing);
    }

    private static void filing(DataSource dataSource) throws SQLException {
        filing(dataSource, !isH2(dataSource));
    }

    /**
     * @param indexKept whether the ID index stays while the filing goes on: H2 builds it afresh after a filing this
     *                  large, PostgreSQL keeps it up to date
     */
    private static void filing(DataSource dataSource, boolean indexKept) throws SQLException {
        RepositorySchema.ensure(dataSource);
        Ledger ledger = new Ledger(dataSource);
        for (int first = 1; first <= 30_000; first += 1_000) {
            List<AuditLine> lines = new java.util.ArrayList<>();
            for (int row = first; row < first + 1_000; row++) {
                lines.add(line(row, "usr_" + row, Outcome.DELETED, 204, AT));
            }
            ledger.recordPage(8, SHA, API, REPORT, lines);
        }
        ledger.recordPage(9, SHA, API, REPORT, List.of(line(1, "usr_other", Outcome.DELETED, 204, AT)));
        // The row of a page already filed (abandon wrote it, or another process filed the page meanwhile).
        ledger.recordAnswers(8, SHA, API, REPORT, List.of(line(2, "usr_2", Outcome.DELETED, 204, AT)));
        assertThat(ledger.unfiled(8)).isEqualTo(30_000);

        List<Integer> progress = new java.util.ArrayList<>();
        List<Boolean> indexed = new java.util.ArrayList<>();
        assertThat(ledger.file(8, filed -> {
            progress.add(filed);
            indexed.add(hasIdIndex(dataSource));
        })).isEqualTo(30_000);
        assertThat(indexed).as("the ID index while filing").containsOnly(indexKept);
        assertThat(hasIdIndex(dataSource)).as("the ID index after filing").isTrue();

        assertThat(progress).as("one report per transaction of 50,000 entries at most")
                .isNotEmpty().isSorted().endsWith(30_000);
        assertThat(ledger.unfiled(8)).isZero();
        assertThat(ledger.unfiled(9)).as("another run's page stays").isEqualTo(1);
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM erasure_ledger WHERE job_instance_id = 8",
                Integer.class)).isEqualTo(30_000);
        assertThat(ledger.entriesFor("usr_2")).hasSize(1);
    }

    @Test
    void an_id_index_lost_with_a_filing_killed_while_building_it_is_built_at_the_next_start_on_h2()
            throws SQLException {
        DataSource dataSource = h2();
        RepositorySchema.ensure(dataSource);
        new Ledger(dataSource).recordAnswers(7, SHA, API, REPORT, List.of(line(1, "usr_1", Outcome.DELETED, 204, AT)));
        new JdbcTemplate(dataSource).execute("DROP INDEX " + Ledger.ID_INDEX);

        RepositorySchema.ensure(dataSource);

        assertThat(hasIdIndex(dataSource)).isTrue();
        assertThat(new Ledger(dataSource).entriesFor("usr_1")).hasSize(1);
        assertThat(new JdbcTemplate(dataSource).queryForObject("SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS"
                + " WHERE SETTING_NAME = 'MAX_MEMORY_ROWS'", Integer.class))
                .as("H2's own default for this heap, set back after the build")
                .isEqualTo(org.h2.engine.SysProperties.MAX_MEMORY_ROWS);
    }

    private static boolean isH2(DataSource dataSource) throws SQLException {
        try (java.sql.Connection connection = dataSource.getConnection()) {
            return "h2".equals(RepositorySchema.platform(connection.getMetaData()));
        }
    }

    private static boolean hasIdIndex(DataSource dataSource) {
        try (java.sql.Connection connection = dataSource.getConnection();
             java.sql.ResultSet indexes = connection.getMetaData().getIndexInfo(null, connection.getSchema(),
                     isH2(dataSource) ? Ledger.TABLE.toUpperCase(java.util.Locale.ROOT) : Ledger.TABLE, false,
                     false)) {
            while (indexes.next()) {
                if (Ledger.ID_INDEX.equalsIgnoreCase(indexes.getString("INDEX_NAME"))) {
                    return true;
                }
            }
            return false;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void a_page_another_process_files_at_the_same_time_is_left_to_it_without_error_on_postgresql() throws Exception {
        try (TestPostgres.Schema schema = TestPostgres.Schema.fresh();
             java.sql.Connection other = java.sql.DriverManager.getConnection(schema.url(), TestPostgres.USER, "")) {
            DataSource dataSource = new DriverManagerDataSource(schema.url(), TestPostgres.USER, "");
            RepositorySchema.ensure(dataSource);
            Ledger ledger = new Ledger(dataSource);
            ledger.recordPage(5, SHA, API, REPORT, List.of(line(1, "usr_1", Outcome.DELETED, 204, AT),
                    line(2, "usr_2", Outcome.NOT_FOUND, 404, AT)));
            // Another process files the same page and has not committed yet (from branch filing2).
            other.setAutoCommit(false);
            JdbcTemplate otherProcess = new JdbcTemplate(
                    new org.springframework.jdbc.datasource.SingleConnectionDataSource(other, true));
            for (long row = 1; row <= 2; row++) {
                otherProcess.update("INSERT INTO " + Ledger.TABLE + " (job_instance_id, input_sha256, input_row,"
                        + " external_id, id_sha256, outcome, http_status, answered_at, report_path, api_url) VALUES"
                        + " (5, ?, ?, ?, ?, 'DELETED', 204, ?, ?, ?)", SHA, row, "usr_" + row, "b".repeat(64),
                        java.time.OffsetDateTime.ofInstant(AT, java.time.ZoneOffset.UTC), REPORT.toString(), API);
            }
            otherProcess.update("DELETE FROM " + Ledger.PAGES + " WHERE job_instance_id = 5");
            List<Integer> told = new java.util.concurrent.CopyOnWriteArrayList<>();

            java.util.concurrent.CompletableFuture<Integer> filing = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> ledger.file(5, told::add));
            JdbcTemplate jdbc = new JdbcTemplate(dataSource);
            org.awaitility.Awaitility.await().until(() -> jdbc.queryForObject("SELECT COUNT(*) FROM pg_locks WHERE"
                    + " NOT granted", Integer.class) > 0);
            other.commit();

            assertThat(filing.get()).as("filed by the other").isZero();
            assertThat(told).isEmpty();
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM " + Ledger.TABLE, Integer.class)).isEqualTo(2);
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM " + Ledger.PAGES, Integer.class)).isZero();
        }
    }

    @Test
    void a_page_keeps_any_id_as_it_was_and_refuses_text_that_is_no_page() {
        String odd = "a,b:c\n\"d\"\t" + "é".repeat(3) + ",12:x";
        StringBuilder page = new StringBuilder();
        AuditLine withStatus = line(3, odd, Outcome.DELETED, 204, AT.plusNanos(999));
        AuditLine empty = line(4, "", Outcome.INVALID, 422, AT);
        Ledger.PageCodec.append(page, withStatus);
        Ledger.PageCodec.append(page, empty);

        assertThat(Ledger.PageCodec.read(page.toString()))
                .extracting(AuditLine::row, AuditLine::externalId, AuditLine::outcome, AuditLine::httpStatus,
                        AuditLine::processedAt)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(3L, odd, Outcome.DELETED, 204, AT),
                        org.assertj.core.groups.Tuple.tuple(4L, "", Outcome.INVALID, 422, AT));
        assertThatThrownBy(() -> Ledger.PageCodec.read(page.substring(0, page.length() - 3)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("edited by hand");
    }

    @Test
    void an_erasure_at_another_api_is_kept_with_its_url_and_never_named_for_this_one_on_h2() throws SQLException {
        apis(h2());
    }

    @Test
    void an_erasure_at_another_api_is_kept_with_its_url_and_never_named_for_this_one_on_postgresql()
            throws SQLException {
        onPostgresql(LedgerTest::apis);
    }

    @Test
    void a_repository_from_before_2026_12_gets_the_api_url_column_filled_from_its_runs_on_h2() throws SQLException {
        migration(h2(), "h2");
    }

    @Test
    void a_repository_from_before_2026_12_gets_the_api_url_column_filled_from_its_runs_on_postgresql()
            throws SQLException {
        onPostgresql(dataSource -> migration(dataSource, "postgresql"));
    }

    private static void apis(DataSource dataSource) throws SQLException {
        RepositorySchema.ensure(dataSource);
        Ledger ledger = new Ledger(dataSource);
        String sandbox = "https://sandbox-api.polar.sh";
        // A sandbox trial erased usr_1 (filed) and usr_2 (still in a page); production asks about both.
        ledger.recordAnswers(1, SHA, sandbox, REPORT, List.of(line(1, "usr_1", Outcome.DELETED, 204, AT)));
        ledger.recordPage(1, SHA, sandbox, REPORT, List.of(line(2, "usr_2", Outcome.DELETED, 204, AT)));

        assertThat(ledger.lastErasureByOtherRuns("usr_1", 2, API)).as("filed").isEmpty();
        assertThat(ledger.lastErasureByOtherRuns("usr_2", 2, API)).as("in a page").isEmpty();
        assertThat(ledger.lastErasureByOtherRuns("usr_2", 2, sandbox)).get().extracting(Ledger.Entry::apiUrl)
                .isEqualTo(sandbox);
        ledger.file(1);
        assertThat(ledger.entriesFor("usr_2")).singleElement().satisfies(entry -> {
            assertThat(entry.apiUrl()).isEqualTo(sandbox);
            assertThat(entry.from(sandbox)).isTrue();
            assertThat(entry.from(API)).isFalse();
        });
        assertThat(ledger.lastErasureByOtherRuns("usr_2", 2, API)).as("filed from the page").isEmpty();
    }

    /** The tables as versions before 2026-12 created them, with one run's answers, then the current start. */
    private static void migration(DataSource dataSource, String platform) throws SQLException {
        new org.springframework.jdbc.datasource.init.ResourceDatabasePopulator(new org.springframework.core.io
                .ClassPathResource("org/springframework/batch/core/schema-" + platform + ".sql")).execute(dataSource);
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        jdbc.execute("CREATE TABLE erasure_ledger (job_instance_id BIGINT NOT NULL, input_sha256 VARCHAR(64) NOT NULL,"
                + " input_row BIGINT NOT NULL, external_id VARCHAR(1000000) NOT NULL, id_sha256 VARCHAR(64) NOT NULL,"
                + " outcome VARCHAR(16) NOT NULL, http_status INTEGER, answered_at TIMESTAMP WITH TIME ZONE NOT NULL,"
                + " report_path VARCHAR(4096) NOT NULL, PRIMARY KEY (job_instance_id, input_row))");
        jdbc.execute("CREATE TABLE erasure_ledger_page (job_instance_id BIGINT NOT NULL, first_row BIGINT NOT NULL,"
                + " last_row BIGINT NOT NULL, input_sha256 VARCHAR(64) NOT NULL, report_path VARCHAR(4096) NOT NULL,"
                + " entry_count INTEGER NOT NULL, last_answered_at TIMESTAMP WITH TIME ZONE NOT NULL, entries "
                + ("h2".equals(platform) ? "CHARACTER LARGE OBJECT" : "TEXT") + " NOT NULL,"
                + " PRIMARY KEY (job_instance_id, first_row))");
        jdbc.update("INSERT INTO BATCH_JOB_INSTANCE (JOB_INSTANCE_ID, VERSION, JOB_NAME, JOB_KEY) VALUES (5, 0,"
                + " 'erasureJob', 'k5')");
        for (long execution : new long[] {50, 51}) { // a run and its resume
            jdbc.update("INSERT INTO BATCH_JOB_EXECUTION (JOB_EXECUTION_ID, VERSION, JOB_INSTANCE_ID, CREATE_TIME)"
                    + " VALUES (?, 0, 5, CURRENT_TIMESTAMP)", execution);
            jdbc.update("INSERT INTO BATCH_JOB_EXECUTION_PARAMS (JOB_EXECUTION_ID, PARAMETER_NAME, PARAMETER_TYPE,"
                    + " PARAMETER_VALUE, IDENTIFYING) VALUES (?, '" + ErasureJobConfiguration.API_URL + "',"
                    + " 'java.lang.String', 'https://sandbox-api.polar.sh', 'Y')", execution);
        }
        for (long run : new long[] {5, 6}) { // run 6 was deleted from the repository since
            jdbc.update("INSERT INTO erasure_ledger (job_instance_id, input_sha256, input_row, external_id, id_sha256,"
                    + " outcome, http_status, answered_at, report_path) VALUES (?, ?, 1, 'usr_1', ?, 'DELETED', 204,"
                    + " ?, ?)", run, SHA, "0".repeat(64), java.time.OffsetDateTime.ofInstant(AT,
                    java.time.ZoneOffset.UTC), REPORT.toString());
        }
        jdbc.update("INSERT INTO erasure_ledger_page (job_instance_id, first_row, last_row, input_sha256, report_path,"
                + " entry_count, last_answered_at, entries) VALUES (5, 2, 2, ?, ?, 1, ?, ?)", SHA, REPORT.toString(),
                java.time.OffsetDateTime.ofInstant(AT, java.time.ZoneOffset.UTC), "2,DELETED,204," + AT + ",5:usr_2\n");

        RepositorySchema.ensure(dataSource);
        RepositorySchema.ensure(dataSource); // a second start changes nothing

        assertThat(jdbc.queryForList("SELECT api_url FROM erasure_ledger ORDER BY job_instance_id", String.class))
                .containsExactly("https://sandbox-api.polar.sh", null);
        assertThat(jdbc.queryForObject("SELECT api_url FROM erasure_ledger_page", String.class))
                .isEqualTo("https://sandbox-api.polar.sh");
    }

    private static void pages(DataSource dataSource) throws SQLException {
        RepositorySchema.ensure(dataSource);
        Ledger ledger = new Ledger(dataSource);
        Instant later = AT.plusSeconds(3_600);
        // Run 7 erased usr_1 and filed it; run 8 is running: two committed chunks, in pages, not filed.
        ledger.recordAnswers(7, SHA, API, REPORT, List.of(line(1, "usr_1", Outcome.DELETED, 204, AT)));
        ledger.recordPage(8, "b".repeat(64), API, REPORT, List.of(
                line(1, "usr_1", Outcome.NOT_FOUND, 404, later),
                line(2, "usr_2", Outcome.FAILED, 503, later),
                line(3, "usr_3", Outcome.DELETED, 204, later)));
        ledger.recordPage(8, "b".repeat(64), API, REPORT, List.of(line(4, "usr_4", Outcome.REVIEW, 200, later)));
        ledger.recordPage(8, "b".repeat(64), API, REPORT, List.of(line(5, "usr_5", Outcome.DUPLICATE, null, later)));

        Ledger.Entry notFound = new Ledger.Entry(8, "b".repeat(64), 1, "usr_1", Outcome.NOT_FOUND, 404, later,
                REPORT.toString(), API);
        Ledger.Entry erased = new Ledger.Entry(8, "b".repeat(64), 3, "usr_3", Outcome.DELETED, 204, later,
                REPORT.toString(), API);
        Ledger.Entry review = new Ledger.Entry(8, "b".repeat(64), 4, "usr_4", Outcome.REVIEW, 200, later,
                REPORT.toString(), API);
        assertThat(ledger.entriesFor("usr_1")).extracting(Ledger.Entry::jobInstanceId).containsExactly(7L, 8L);
        assertThat(ledger.entriesFor("usr_3")).containsExactly(erased);
        assertThat(ledger.entriesFor("usr_2")).as("no definitive answer, no entry").isEmpty();
        assertThat(ledger.entriesFor(List.of("usr_3", "usr_1", "nobody", "usr_3"))).as("many IDs at once, in the"
                + " order asked, filed and in pages").containsExactly(
                java.util.Map.entry("usr_3", ledger.entriesFor("usr_3")),
                java.util.Map.entry("usr_1", ledger.entriesFor("usr_1")),
                java.util.Map.entry("nobody", List.of()));
        assertThat(ledger.entriesFor(List.of("usr_1")).get("usr_1")).extracting(Ledger.Entry::jobInstanceId)
                .containsExactly(7L, 8L);
        assertThat(ledger.entriesOfRun(8, 1, 4)).containsExactly(notFound, erased, review);
        assertThat(ledger.entriesOfRun(8, 2, 3)).containsExactly(erased);
        assertThat(ledger.hasAnswers(8)).isTrue();
        assertThat(ledger.lastErasure("usr_3")).contains(erased);
        assertThat(ledger.lastErasureByOtherRuns("usr_3", 8, API)).as("the run's own pages are not asked").isEmpty();
        assertThat(ledger.lastErasureByOtherRuns("usr_3", 9, API)).contains(erased);
        assertThat(ledger.lastErasureByOtherRuns("usr_1", 8, API)).get().extracting(Ledger.Entry::jobInstanceId)
                .isEqualTo(7L);

        assertThat(ledger.file(8)).isEqualTo(3);
        assertThat(ledger.file(8)).as("filed once").isZero();
        assertThat(new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM " + Ledger.PAGES,
                Integer.class)).isZero();
        assertThat(ledger.entriesOfRun(8, 1, 5)).containsExactly(notFound, erased, review);
        assertThat(ledger.lastErasureByOtherRuns("usr_3", 9, API)).contains(erased);

        // A run killed and never resumed keeps its page; prune removes it once all its answers are older.
        ledger.recordPage(10, SHA, API, REPORT, List.of(line(1, "usr_9", Outcome.DELETED, 204, AT),
                line(2, "usr_10", Outcome.NOT_FOUND, 404, AT)));
        assertThat(ledger.pruneBefore(AT)).isZero();
        assertThat(ledger.pruneBefore(AT.plusSeconds(1))).as("run 7's entry and run 10's page").isEqualTo(3);
        assertThat(ledger.entriesFor("usr_9")).isEmpty();
        assertThat(ledger.entriesFor("usr_3")).containsExactly(erased);

        // The next run's start files every run's pages, a dead run's too.
        ledger.recordPage(11, SHA, API, REPORT, List.of(line(1, "usr_11", Outcome.DELETED, 204, later)));
        ledger.recordPage(12, SHA, API, REPORT, List.of(line(1, "usr_12", Outcome.DELETED, 204, later)));
        assertThat(ledger.fileAll()).isEqualTo(2);
        assertThat(ledger.entriesFor("usr_11")).extracting(Ledger.Entry::jobInstanceId).containsExactly(11L);
        assertThat(ledger.entriesFor("usr_12")).extracting(Ledger.Entry::jobInstanceId).containsExactly(12L);
    }

    private static AuditLine line(long row, String id, Outcome outcome, Integer status, Instant at) {
        return new AuditLine(row, id, outcome, status, 1, "detail not kept", at);
    }

    private static void exercise(DataSource dataSource) throws SQLException {
        RepositorySchema.ensure(dataSource);
        RepositorySchema.ensure(dataSource); // a second start changes nothing
        Ledger ledger = new Ledger(dataSource);
        String longId = "x".repeat(5_000) + " é\t";

        ledger.recordAnswers(7, SHA, API, REPORT, List.of(
                line(1, "usr_1", Outcome.DELETED, 204, AT),
                line(2, "usr_2", Outcome.NOT_FOUND, 404, AT),
                line(3, "usr_3", Outcome.FAILED, 503, AT),
                line(4, "", Outcome.INVALID, null, AT),
                line(5, "usr_5", Outcome.INVALID, 422, AT),
                line(6, "usr_6", Outcome.REVIEW, 200, AT),
                line(7, "usr_1", Outcome.DUPLICATE, null, AT),
                line(8, longId, Outcome.DELETED, 204, AT.minusSeconds(86_400))));
        // Written again, as abandon may for answers a committed chunk already holds: replaced, not doubled.
        ledger.recordAnswers(7, SHA, API, REPORT, List.of(line(1, "usr_1", Outcome.DELETED, 204, AT)));
        ledger.recordAnswers(9, "b".repeat(64), API, REPORT, List.of(line(1, "usr_1", Outcome.NOT_FOUND, 404,
                AT.plusSeconds(60))));

        assertThat(ledger.entriesFor("usr_1")).containsExactly(
                new Ledger.Entry(7, SHA, 1, "usr_1", Outcome.DELETED, 204, AT, REPORT.toString(), API),
                new Ledger.Entry(9, "b".repeat(64), 1, "usr_1", Outcome.NOT_FOUND, 404, AT.plusSeconds(60),
                        REPORT.toString(), API));
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
