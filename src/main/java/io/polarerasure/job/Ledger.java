package io.polarerasure.job;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.polarerasure.kernel.Sha256;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The ledger of answers: every definitive answer Polar gave the job (DELETED, NOT_FOUND, REVIEW, and INVALID
 * on a 422), one row per report line, kept in the job repository beyond the life of a run. It keeps only the
 * report row number, the run (job instance id, input SHA-256 and the API it sent to), the external ID, the outcome,
 * the HTTP status, the time and the report's path: no other column of the input, no email, no detail text.
 *
 * <p>Written in the transaction of the chunk that reports the lines (the job repository's own {@link DataSource}
 * and transaction manager), so the ledger and the checkpoint never disagree: a chunk's answers go in as one
 * <em>page</em> ({@link #recordPage}, one row of {@value #PAGES} holding the chunk's entries), which costs the chunk
 * one insert instead of one per row and one B-tree insert into the ID index per row (issue 18: those inserts were
 * half the job's CPU with the rate limit off). When the step ends (completed, stopped or failed), and again when a
 * run resumes or is abandoned, {@link #file} moves the run's pages into the per-entry table {@value #TABLE}, which
 * is indexed by ID. Every read looks at both, so an answer is found the moment its chunk commits, whether or not
 * it is filed yet. An abandoned run's journal answers are written through {@link #recordAnswers}. Entries stay until
 * {@link #pruneBefore} removes them ({@code polar-erasure prune --before DATE}). Thread-safe.
 */
public final class Ledger {

    /** The table, created by {@link RepositorySchema#ensure} on H2 and PostgreSQL alike. */
    static final String TABLE = "erasure_ledger";

    static final String ID_INDEX = TABLE + "_id";
    static final String ID_INDEX_DDL = "CREATE INDEX IF NOT EXISTS " + ID_INDEX + " ON " + TABLE + " (id_sha256)";

    // VARCHAR(1000000) is H2's largest VARCHAR and fits PostgreSQL: external IDs have no length limit at Polar.
    // Looked up by the ID's SHA-256, so the index stays small whatever the IDs' length.
    static final List<String> DDL = List.of(
            "CREATE TABLE IF NOT EXISTS " + TABLE + " (job_instance_id BIGINT NOT NULL, input_sha256 VARCHAR(64)"
                    + " NOT NULL, input_row BIGINT NOT NULL, external_id VARCHAR(1000000) NOT NULL, id_sha256"
                    + " VARCHAR(64) NOT NULL, outcome VARCHAR(16) NOT NULL, http_status INTEGER, answered_at TIMESTAMP"
                    + " WITH TIME ZONE NOT NULL, report_path VARCHAR(4096) NOT NULL, api_url VARCHAR(2048),"
                    + " PRIMARY KEY (job_instance_id, input_row))",
            ID_INDEX_DDL);

    /** Entries a filing must hold at least before the ID index is built afresh instead ({@link #indexRebuiltAfter}). */
    private static final long REBUILD_FROM = 20_000;

    // No index on answered_at (repositories created before issue 18 keep theirs): only prune reads by time, and
    // it may scan; every answer of every run paid for keeping that index up to date.

    /** A committed chunk's answers not filed into {@value #TABLE} yet: one row per chunk, see {@link #recordPage}. */
    static final String PAGES = "erasure_ledger_page";

    /** The page table; its entries column is a large text: a page of long IDs may pass H2's VARCHAR limit. */
    static String pagesDdl(String platform) {
        return "CREATE TABLE IF NOT EXISTS " + PAGES + " (job_instance_id BIGINT NOT NULL, first_row BIGINT NOT NULL,"
                + " last_row BIGINT NOT NULL, input_sha256 VARCHAR(64) NOT NULL, report_path VARCHAR(4096) NOT NULL,"
                + " entry_count INTEGER NOT NULL, last_answered_at TIMESTAMP WITH TIME ZONE NOT NULL, api_url"
                + " VARCHAR(2048), entries "
                + ("postgresql".equals(platform) ? "TEXT" : "CHARACTER LARGE OBJECT")
                + " NOT NULL, PRIMARY KEY (job_instance_id, first_row))";
    }

    /**
     * Entries filed per transaction by {@link #file}, in whole pages: ten times the 5,000 of before doubled the rate
     * on an H2 file repository (100,000 entries: about 14,000 entries/s before, 29,000 after), and holds the
     * transaction's entries in some tens of MB.
     */
    private static final int ENTRIES_PER_FILING = 50_000;

    /**
     * Entries filed per transaction while the ID index is built afresh afterwards ({@link #indexRebuiltAfter}): with no
     * index to write, a large transaction only costs H2 its undo log on disk (1,000,000 entries: 270 MB of file and
     * 20 s in transactions of 1,000, 560 MB and 26 s in transactions of 50,000).
     */
    private static final int ENTRIES_PER_FILING_UNINDEXED = 1_000;

    /** Characters of pages' text filed per transaction at most: about 8 MB of IDs held at once, whatever their length. */
    private static final long CHARS_PER_FILING = 4_000_000;

    private static final String COLUMNS = "job_instance_id, input_sha256, input_row, external_id, outcome, http_status,"
            + " answered_at, report_path, api_url";

    /**
     * Statements that add the API URL column to a repository created before 2026-12 and fill it in from the
     * runs' {@value ErasureJobConfiguration#API_URL} job parameter, which every run has had. An entry whose run was
     * deleted from the repository meanwhile keeps no URL ({@link Entry#apiUrl} null).
     */
    static List<String> apiUrlMigration(String table) {
        return List.of("ALTER TABLE " + table + " ADD COLUMN api_url VARCHAR(2048)",
                "UPDATE " + table + " SET api_url = (SELECT MIN(p.parameter_value) FROM batch_job_execution e JOIN"
                        + " batch_job_execution_params p ON p.job_execution_id = e.job_execution_id WHERE"
                        + " e.job_instance_id = " + table + ".job_instance_id AND p.parameter_name = '"
                        + ErasureJobConfiguration.API_URL + "') WHERE api_url IS NULL");
    }

    /**
     * One answer.
     *
     * @param jobInstanceId the run (the same across its resumes)
     * @param inputSha256   the run's request file
     * @param row           the data row of the request file and the report
     * @param httpStatus    Polar's status (200 for a REVIEW: the look-up's answer)
     * @param answeredAt    when the answer was received (the report line's processed_at)
     * @param reportPath    the run's audit report, the proof
     * @param apiUrl        the API the run sent to, normalised as {@link io.polarerasure.job.RunIdentity#apiUrl};
     *                      null for an entry written before 2026-12 whose run is no longer in the repository
     */
    public record Entry(long jobInstanceId, String inputSha256, long row, String externalId, Outcome outcome,
                        Integer httpStatus, Instant answeredAt, String reportPath, String apiUrl) {

        /** Whether this answer came from this API (normalised base URL); false when the entry's API is unknown. */
        public boolean from(String api) {
            return api.equals(apiUrl);
        }
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate ownTransaction;

    public Ledger(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.ownTransaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /** Creates the entry table and its index if missing; called with the connection that creates the Batch tables. */
    static void ensureTable(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String ddl : DDL) {
                statement.execute(ddl);
            }
        }
    }

    /** True for a line that holds a definitive answer from Polar, which the ledger keeps. */
    public static boolean definitive(AuditLine line) {
        return line.httpStatus() != null && (line.outcome() == Outcome.DELETED || line.outcome() == Outcome.NOT_FOUND
                || line.outcome() == Outcome.REVIEW || line.outcome() == Outcome.INVALID && line.httpStatus() == 422);
    }

    /**
     * Writes the definitive answers among these report lines of a run; other lines are skipped. Idempotent: a
     * line already in the ledger for this run and row is replaced. Joins the caller's transaction when there is
     * one on the same DataSource (a chunk's), so it commits or rolls back with it.
     *
     * @param jobInstanceId the run's job instance id
     * @param inputSha256   the SHA-256 of the run's request file
     * @param apiUrl        the API the run sends to (its normalised {@code --api-url})
     * @param report        the run's audit report
     * @param lines         report lines (or journal answers of an abandoned run), in any order
     * @throws org.springframework.dao.DataAccessException if the database refuses the write
     */
    public void recordAnswers(long jobInstanceId, String inputSha256, String apiUrl, Path report,
                              List<AuditLine> lines) {
        List<AuditLine> answers = lines.stream().filter(Ledger::definitive).toList();
        if (!answers.isEmpty()) {
            writeEntries(jobInstanceId, inputSha256, apiUrl, report.toAbsolutePath().toString(), answers);
        }
    }

    /**
     * Writes the definitive answers among a committed chunk's report lines as one page, in the caller's transaction
     * (the chunk's). The chunk's rows must not be in the ledger yet: a chunk commits its rows once.
     *
     * @param apiUrl the API the run sends to (its normalised {@code --api-url})
     * @param lines  the chunk's report lines, in row order
     * @throws org.springframework.dao.DataAccessException if the database refuses the write
     */
    public void recordPage(long jobInstanceId, String inputSha256, String apiUrl, Path report, List<AuditLine> lines) {
        List<AuditLine> answers = lines.stream().filter(Ledger::definitive).toList();
        if (answers.isEmpty()) {
            return;
        }
        StringBuilder entries = new StringBuilder(answers.size() * 64);
        Instant last = Instant.EPOCH;
        for (AuditLine line : answers) {
            PageCodec.append(entries, line);
            last = line.processedAt().isAfter(last) ? line.processedAt() : last;
        }
        jdbc.update("INSERT INTO " + PAGES + " (job_instance_id, first_row, last_row, input_sha256, report_path,"
                        + " entry_count, last_answered_at, api_url, entries) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                jobInstanceId, answers.get(0).row(), answers.get(answers.size() - 1).row(), inputSha256,
                report.toAbsolutePath().toString(), answers.size(), OffsetDateTime.ofInstant(last, ZoneOffset.UTC),
                apiUrl, entries.toString());
    }

    /**
     * Moves this run's pages into the per-entry table, some pages per transaction of its own (never the caller's):
     * each page's entries are inserted and the page deleted in one commit, so an interrupted filing leaves every
     * answer in exactly one of the two places. Done when a step ends, so it is not between two chunks'
     * requests (about 5 s per 100,000 entries on an H2 file repository, 2 cores).
     *
     * @return how many entries were filed
     * @throws org.springframework.dao.DataAccessException if the database refuses; what was filed stays filed
     */
    public int file(long jobInstanceId) {
        return file(" WHERE job_instance_id = ?", new Object[] {jobInstanceId}, filed -> { });
    }

    /**
     * As {@link #file(long)}, telling {@code progress} after each commit how many of the run's entries are filed so
     * far (a running total).
     */
    public int file(long jobInstanceId, IntConsumer progress) {
        return file(" WHERE job_instance_id = ?", new Object[] {jobInstanceId}, progress);
    }

    /** How many entries of this run are in pages, not filed yet. */
    public int unfiled(long jobInstanceId) {
        Integer count = jdbc.queryForObject("SELECT COALESCE(SUM(entry_count), 0) FROM " + PAGES
                + " WHERE job_instance_id = ?", Integer.class, jobInstanceId);
        return count == null ? 0 : count;
    }

    /**
     * Files every run's pages, as {@link #file(long)} does one run's: also those of a run killed and never resumed,
     * which would otherwise be read page by page at every NOT_FOUND of later runs. Pages are never changed once
     * written, so filing a page of a run that is still going on elsewhere is safe: its entries read the same; two
     * processes filing one page at once make one of them find the entries there, and nothing changes.
     *
     * @return how many entries were filed
     */
    public int fileAll() {
        return fileAll(filed -> { });
    }

    /** As {@link #fileAll()}, telling {@code progress} after each commit how many entries are filed so far. */
    public int fileAll(IntConsumer progress) {
        return file("", new Object[0], progress);
    }

    /** How many entries of all runs are in pages, not filed yet. */
    public int unfiled() {
        Integer count = jdbc.queryForObject("SELECT COALESCE(SUM(entry_count), 0) FROM " + PAGES, Integer.class);
        return count == null ? 0 : count;
    }

    private int file(String where, Object[] arguments, IntConsumer progress) {
        boolean rebuildIndex = indexRebuiltAfter(where, arguments);
        if (rebuildIndex) {
            jdbc.execute("DROP INDEX IF EXISTS " + ID_INDEX);
        }
        try {
            return fileBatches(where, arguments, progress, rebuildIndex ? ENTRIES_PER_FILING_UNINDEXED
                    : ENTRIES_PER_FILING);
        } finally {
            if (rebuildIndex) {
                jdbc.execute((ConnectionCallback<Void>) connection -> {
                    buildIdIndexOnH2(connection);
                    return null;
                });
            }
        }
    }

    /**
     * Builds the ID index on an embedded H2 repository that has none (a no-op when it is there), with room for H2's
     * sort: H2 sorts blocks of half its {@code MAX_MEMORY_ROWS} rows in memory and then merges them all at once, and
     * its default for a small heap (40,000 rows per GB of -Xmx: 5,000 at -Xmx128m) made 4,000 blocks for 10,000,000
     * entries, whose merge ran out of memory (and H2 then closed the database). 100,000 makes blocks of 50,000 rows
     * and 200 to merge: 10,000,000 entries in 102 s at -Xmx72m (2026-12-01). The setting
     * is the database's and H2 keeps it, so it is set back to H2's default for this heap afterwards, also when an
     * earlier build was killed before it could do so.
     *
     * @throws SQLException if H2 refuses
     */
    static void buildIdIndexOnH2(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET MAX_MEMORY_ROWS " + INDEX_BUILD_MEMORY_ROWS);
            try {
                statement.execute(ID_INDEX_DDL);
            } finally {
                // H2's own default (SysProperties.MAX_MEMORY_ROWS), for the heap of this process.
                statement.execute("SET MAX_MEMORY_ROWS " + Math.max(1, 40_000L * Runtime.getRuntime().maxMemory()
                        / (1L << 30)));
            }
        }
    }

    /** H2's {@code MAX_MEMORY_ROWS} while it builds the ID index ({@link #buildIdIndexOnH2}). */
    private static final int INDEX_BUILD_MEMORY_ROWS = 100_000;

    /**
     * Whether to drop the ID index before filing and build it again after: on an embedded H2 repository, for a filing
     * of at least {@value #REBUILD_FROM} entries that adds at least a tenth to the table. H2 never updates a page in
     * place: every insert of a random ID rewrites an index page, and the file grows by those copies faster than it
     * reuses them; building the index from the filled table writes it once, in order. Measured with 400,000 entries
     * filed into an empty ledger: 2.9 GB of file and 30 s with the index kept up to date, 0.2 GB and 8 s without;
     * building the index over 2,100,000 entries took 14 s and no extra space (2026-12-01, design.md). PostgreSQL
     * updates its index pages in place and keeps its index. In one process (H2 admits no second): nothing reads
     * meanwhile, and a kill in between leaves reads correct but slower until {@link RepositorySchema#ensure}, at the
     * next command, builds the index again.
     */
    private boolean indexRebuiltAfter(String where, Object[] arguments) {
        if (!"h2".equals(jdbc.execute((ConnectionCallback<String>) c -> RepositorySchema.platform(c.getMetaData())))) {
            return false;
        }
        Long unfiled = jdbc.queryForObject("SELECT COALESCE(SUM(entry_count), 0) FROM " + PAGES + where, Long.class,
                arguments);
        Long filed = jdbc.queryForObject("SELECT COUNT(*) FROM " + TABLE, Long.class);
        return unfiled != null && filed != null && unfiled >= REBUILD_FROM && unfiled * 10 >= filed;
    }

    private int fileBatches(String where, Object[] arguments, IntConsumer progress, int entriesPerFiling) {
        // Pages per transaction from the largest page, in entries and in characters: long IDs make long pages, and a
        // transaction's pages are held in memory (a run at -Xmx128m files too).
        int pagesPerFiling = jdbc.queryForObject("SELECT MAX(entry_count), MAX(LENGTH(entries)) FROM " + PAGES + where,
                (rs, n) -> {
                    long entries = Math.max(1, rs.getLong(1));
                    long chars = Math.max(1, rs.getLong(2));
                    return (int) Math.max(1, Math.min(1_000, Math.min(entriesPerFiling / entries,
                            CHARS_PER_FILING / chars)));
                }, arguments);
        int filed = 0;
        while (true) {
            Integer moved = fileBatch(where, arguments, pagesPerFiling);
            if (moved == null) {
                return filed;
            }
            filed += moved;
            progress.accept(filed);
        }
    }

    /**
     * Files up to {@code maxPages} pages in one transaction: their entries inserted straight away (a page is filed
     * once, so its rows are not in the entry table), the pages deleted. When an entry is there after all (abandon
     * wrote the row; another process filed the same page meanwhile), the transaction is rolled back and done again
     * replacing rows, which finds the pages gone when another process filed them.
     *
     * @return the entries filed, or null when no page matched
     */
    private Integer fileBatch(String where, Object[] arguments, int maxPages) {
        try {
            return ownTransaction.execute(status -> moveBatch(where, arguments, maxPages, false));
        } catch (org.springframework.dao.DuplicateKeyException e) {
            return ownTransaction.execute(status -> moveBatch(where, arguments, maxPages, true));
        }
    }

    private Integer moveBatch(String where, Object[] arguments, int maxPages, boolean replacing) {
        List<Page> pages = jdbc.query("SELECT " + PAGE_COLUMNS + " FROM " + PAGES + where + " ORDER BY"
                + " job_instance_id, first_row FETCH FIRST " + maxPages + " ROWS ONLY", (rs, n) -> page(rs), arguments);
        if (pages.isEmpty()) {
            return null;
        }
        int count = 0;
        if (replacing) {
            for (Page page : pages) {
                writeEntries(page.jobInstanceId(), page.inputSha256(), page.apiUrl(), page.reportPath(),
                        page.lines());
                count += page.lines().size();
            }
        } else {
            List<Object[]> rows = new ArrayList<>();
            for (Page page : pages) {
                for (AuditLine line : page.lines()) {
                    rows.add(new Object[] {page, line});
                }
                count += page.lines().size();
            }
            jdbc.batchUpdate(INSERT, rows, 1_000, (statement, row) -> {
                Page page = (Page) row[0];
                set(statement, page.jobInstanceId(), page.inputSha256(), page.apiUrl(), page.reportPath(),
                        (AuditLine) row[1]);
            });
        }
        jdbc.batchUpdate("DELETE FROM " + PAGES + " WHERE job_instance_id = ? AND first_row = ?", pages, 1_000,
                (statement, page) -> {
                    statement.setLong(1, page.jobInstanceId());
                    statement.setLong(2, page.firstRow());
                });
        return count;
    }

    private static final String INSERT = "INSERT INTO " + TABLE + " (" + COLUMNS + ", id_sha256) VALUES (?, ?, ?, ?,"
            + " ?, ?, ?, ?, ?, ?)";

    private void writeEntries(long jobInstanceId, String inputSha256, String apiUrl, String reportPath,
                              List<AuditLine> answers) {
        // One look at the rows' range instead of a DELETE per row (issue 18: the chunk's ledger writes hold up every
        // worker until the commit): only abandon writes a row that may already be there.
        Set<Long> rows = answers.stream().map(AuditLine::row).collect(Collectors.toSet());
        List<Long> replaced = jdbc.queryForList("SELECT input_row FROM " + TABLE + " WHERE job_instance_id = ? AND"
                        + " input_row BETWEEN ? AND ?", Long.class, jobInstanceId, Collections.min(rows),
                Collections.max(rows)).stream().filter(rows::contains).toList();
        jdbc.batchUpdate("DELETE FROM " + TABLE + " WHERE job_instance_id = ? AND input_row = ?", replaced, 500,
                (statement, row) -> {
                    statement.setLong(1, jobInstanceId);
                    statement.setLong(2, row);
                });
        jdbc.batchUpdate(INSERT, answers, 500, (statement, line) -> set(statement, jobInstanceId, inputSha256, apiUrl,
                reportPath, line));
    }

    private static void set(PreparedStatement statement, long jobInstanceId, String inputSha256, String apiUrl,
                            String reportPath, AuditLine line) throws SQLException {
        statement.setLong(1, jobInstanceId);
        statement.setString(2, inputSha256);
        statement.setLong(3, line.row());
        statement.setString(4, line.externalId());
        statement.setString(5, line.outcome().name());
        if (line.httpStatus() == null) {
            statement.setNull(6, Types.INTEGER);
        } else {
            statement.setInt(6, line.httpStatus());
        }
        statement.setObject(7, OffsetDateTime.ofInstant(PageCodec.kept(line.processedAt()), ZoneOffset.UTC));
        statement.setString(8, reportPath);
        statement.setString(9, apiUrl);
        statement.setString(10, idHash(line.externalId()));
    }

    /** Whether the ledger holds any answer of this run (its job instance id). */
    public boolean hasAnswers(long jobInstanceId) {
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM " + TABLE
                + " WHERE job_instance_id = ?) OR EXISTS (SELECT 1 FROM " + PAGES + " WHERE job_instance_id = ?)",
                Boolean.class, jobInstanceId, jobInstanceId));
    }

    /** Every entry for this exact external ID, oldest first. */
    public List<Entry> entriesFor(String externalId) {
        return entriesFor(List.of(externalId), -1).get(externalId);
    }

    /**
     * Every entry for each of these exact external IDs, oldest first per ID, in the order asked: one indexed look-up
     * per ID and one pass over the unfiled pages for all of them together ({@code lookup --ids-file} of a whole
     * request file reads the pages once, not once per ID).
     *
     * @return each ID asked (duplicates once) with its entries, empty when it has none
     */
    public Map<String, List<Entry>> entriesFor(Collection<String> externalIds) {
        return entriesFor(externalIds, -1);
    }

    /** Entries for these exact IDs, filed or in pages of runs other than {@code exceptRun}, oldest first per ID. */
    private Map<String, List<Entry>> entriesFor(Collection<String> externalIds, long exceptRun) {
        Map<String, List<Entry>> found = new LinkedHashMap<>();
        for (String id : externalIds) {
            found.computeIfAbsent(id, key -> new ArrayList<>(jdbc.query("SELECT " + COLUMNS + " FROM " + TABLE
                    + " WHERE id_sha256 = ? AND external_id = ?", (rs, n) -> entry(rs), idHash(key), key)));
        }
        // Streamed page by page: the pages of a run killed during its end may hold millions of entries.
        jdbc.query("SELECT " + PAGE_COLUMNS + " FROM " + PAGES + " WHERE job_instance_id <> ?",
                (RowCallbackHandler) rs -> {
                    for (Entry entry : page(rs).entries()) {
                        List<Entry> entries = found.get(entry.externalId());
                        if (entries != null) {
                            entries.add(entry);
                        }
                    }
                }, exceptRun);
        found.values().forEach(entries -> entries.sort(OLDEST_FIRST));
        return found;
    }

    /** This run's entries for the data rows from {@code fromRow} to {@code toRow} (both included), by row. */
    public List<Entry> entriesOfRun(long jobInstanceId, long fromRow, long toRow) {
        List<Entry> entries = new ArrayList<>(jdbc.query("SELECT " + COLUMNS + " FROM " + TABLE + " WHERE"
                + " job_instance_id = ? AND input_row BETWEEN ? AND ?", (rs, n) -> entry(rs), jobInstanceId, fromRow,
                toRow));
        for (Page page : jdbc.query("SELECT " + PAGE_COLUMNS + " FROM " + PAGES + " WHERE job_instance_id = ? AND"
                + " first_row <= ? AND last_row >= ?", (rs, n) -> page(rs), jobInstanceId, toRow, fromRow)) {
            page.entries().stream().filter(entry -> entry.row() >= fromRow && entry.row() <= toRow)
                    .forEach(entries::add);
        }
        entries.sort(Comparator.comparingLong(Entry::row));
        return entries;
    }

    /** The latest erasure (a 204) of this external ID recorded in the ledger, if any. */
    public Optional<Entry> lastErasure(String externalId) {
        return lastErasure(entriesFor(externalId));
    }

    /**
     * The latest erasure of this ID at this API by another run than {@code run}, or by a run whose API the ledger
     * does not know: a running run asks this for each NOT_FOUND, and its own unfiled pages, which may be most of
     * the ledger by then, cannot hold the ID (a run sends each ID once: a repeated ID is a DUPLICATE). A 204 from
     * another API (the sandbox, a stand-in) says nothing about this one's customer.
     *
     * @param apiUrl the asking run's API, normalised
     */
    public Optional<Entry> lastErasureByOtherRuns(String externalId, long run, String apiUrl) {
        return lastErasure(entriesFor(List.of(externalId), run).get(externalId).stream().filter(entry -> entry.jobInstanceId() != run
                && (entry.apiUrl() == null || entry.from(apiUrl))).toList());
    }

    private static Optional<Entry> lastErasure(List<Entry> entries) {
        List<Entry> erasures = entries.stream().filter(e -> e.outcome() == Outcome.DELETED).toList();
        return erasures.isEmpty() ? Optional.empty() : Optional.of(erasures.get(erasures.size() - 1));
    }

    /**
     * Deletes the entries answered before this moment: filed ones, and pages whose every entry was (the pages of
     * a run that ended without filing them, killed and never resumed).
     *
     * @return how many entries were deleted
     */
    public int pruneBefore(Instant before) {
        OffsetDateTime limit = OffsetDateTime.ofInstant(before, ZoneOffset.UTC);
        Integer inPages = jdbc.queryForObject("SELECT COALESCE(SUM(entry_count), 0) FROM " + PAGES
                + " WHERE last_answered_at < ?", Integer.class, limit);
        jdbc.update("DELETE FROM " + PAGES + " WHERE last_answered_at < ?", limit);
        return jdbc.update("DELETE FROM " + TABLE + " WHERE answered_at < ?", limit)
                + (inPages == null ? 0 : inPages);
    }

    private static final String PAGE_COLUMNS = "job_instance_id, first_row, input_sha256, report_path, api_url,"
            + " entries";

    private static final Comparator<Entry> OLDEST_FIRST = Comparator.comparing(Entry::answeredAt)
            .thenComparingLong(Entry::jobInstanceId).thenComparingLong(Entry::row);

    /** A page as read back: its rows' answers as report lines (detail and attempts are not kept). */
    private record Page(long jobInstanceId, long firstRow, String inputSha256, String reportPath, String apiUrl,
                        List<AuditLine> lines) {

        List<Entry> entries() {
            return lines.stream().map(line -> new Entry(jobInstanceId, inputSha256, line.row(), line.externalId(),
                    line.outcome(), line.httpStatus(), line.processedAt(), reportPath, apiUrl)).toList();
        }
    }

    private static Page page(ResultSet rs) throws SQLException {
        return new Page(rs.getLong("job_instance_id"), rs.getLong("first_row"), rs.getString("input_sha256"),
                rs.getString("report_path"), rs.getString("api_url"), PageCodec.read(rs.getString("entries")));
    }

    private static Entry entry(ResultSet rs) throws SQLException {
        int status = rs.getInt("http_status");
        return new Entry(rs.getLong("job_instance_id"), rs.getString("input_sha256"), rs.getLong("input_row"),
                rs.getString("external_id"), Outcome.valueOf(rs.getString("outcome")), rs.wasNull() ? null : status,
                rs.getObject("answered_at", OffsetDateTime.class).toInstant(), rs.getString("report_path"),
                rs.getString("api_url"));
    }

    private static String idHash(String externalId) {
        MessageDigest digest = Sha256.newDigest();
        digest.update(externalId.getBytes(StandardCharsets.UTF_8));
        return Sha256.hex(digest);
    }

    /**
     * A page's text: one entry a line, {@code row,OUTCOME,status,answered-at,length:external-id} (status empty
     * when none; answered-at ISO-8601 UTC at microseconds, the precision both databases keep; the ID prefixed with
     * its length in chars, so any character in it, a comma or a line break, reads back as it was).
     */
    static final class PageCodec {

        private PageCodec() {
        }

        /** The moment as the ledger keeps it: microseconds, as a TIMESTAMP column of H2 or PostgreSQL does. */
        static Instant kept(Instant instant) {
            return instant.truncatedTo(ChronoUnit.MICROS);
        }

        static void append(StringBuilder page, AuditLine line) {
            page.append(line.row()).append(',').append(line.outcome().name()).append(',')
                    .append(line.httpStatus() == null ? "" : line.httpStatus().toString()).append(',')
                    .append(kept(line.processedAt())).append(',').append(line.externalId().length()).append(':')
                    .append(line.externalId()).append('\n');
        }

        /**
         * @throws IllegalStateException if the text is not a page (the table was edited by hand)
         */
        static List<AuditLine> read(String page) {
            List<AuditLine> lines = new ArrayList<>();
            int at = 0;
            try {
                while (at < page.length()) {
                    int comma1 = page.indexOf(',', at);
                    int comma2 = page.indexOf(',', comma1 + 1);
                    int comma3 = page.indexOf(',', comma2 + 1);
                    int comma4 = page.indexOf(',', comma3 + 1);
                    int colon = page.indexOf(':', comma4 + 1);
                    int length = Integer.parseInt(page, comma4 + 1, colon, 10);
                    int end = colon + 1 + length;
                    if (page.charAt(end) != '\n') {
                        throw new IllegalStateException("no line end after the ID");
                    }
                    String status = page.substring(comma2 + 1, comma3);
                    lines.add(new AuditLine(Long.parseLong(page, at, comma1, 10),
                            page.substring(colon + 1, end), Outcome.valueOf(page.substring(comma1 + 1, comma2)),
                            status.isEmpty() ? null : Integer.valueOf(status), 1, "",
                            Instant.parse(page.substring(comma3 + 1, comma4))));
                    at = end + 1;
                }
            } catch (RuntimeException e) {
                throw new IllegalStateException("A page of the ledger (" + PAGES + ") cannot be read at character "
                        + at + ": " + e.getMessage() + ". Was the table edited by hand?", e);
            }
            return lines;
        }
    }
}
