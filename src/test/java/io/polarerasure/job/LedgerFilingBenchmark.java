package io.polarerasure.job;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Not a test: how fast {@link Ledger#file} moves a run's pages into the entry table on an H2 file repository opened as
 * the job opens it, and how much the file grows meanwhile; optionally into a ledger that already holds other runs'
 * entries. Run: {@code mvn -B -o -Pbenchmark test -Dtest=LedgerFilingBenchmark -Dledger.entries=100000
 * -Dledger.existing=0 -Dledger.page=1000}; prints entries/s and megabytes.
 */
@org.junit.jupiter.api.Tag("benchmark")
class LedgerFilingBenchmark {

    @Test
    void files_a_runs_pages() throws Exception {
        int total = Integer.getInteger("ledger.entries", 100_000);
        int existing = Integer.getInteger("ledger.existing", 0);
        int perPage = Integer.getInteger("ledger.page", 1_000);
        Path dir = Files.createTempDirectory("ledger-bench");
        DriverManagerDataSource dataSource = new DriverManagerDataSource("jdbc:h2:file:" + dir.resolve("repository")
                + ";WRITE_DELAY=0", "sa", "");
        RepositorySchema.ensure(dataSource);
        Ledger ledger = new Ledger(dataSource);
        pages(ledger, 1, existing, perPage);
        ledger.file(1);
        pages(ledger, 2, total, perPage);
        Path file = dir.resolve("repository.mv.db");
        long before = Files.size(file);
        long start = System.nanoTime();
        int filed = ledger.file(2);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("LEDGER FILING: %,d entries into a ledger of %,d in %.1f s: %,.0f entries/s; H2 file %,d MB"
                        + " before, %,d MB after%n", filed, existing, seconds, filed / seconds, before >> 20,
                Files.size(file) >> 20);
    }

    private static void pages(Ledger ledger, long run, int total, int perPage) {
        Instant at = Instant.parse("2026-11-30T10:15:30.123Z");
        for (int first = 1; first <= total; first += perPage) {
            List<AuditLine> lines = new ArrayList<>(perPage);
            for (int row = first; row < first + perPage && row <= total; row++) {
                lines.add(new AuditLine(row, "usr_" + run + "_" + row, row % 3 == 0 ? Outcome.NOT_FOUND
                        : Outcome.DELETED, row % 3 == 0 ? 404 : 204, 1, "", at));
            }
            ledger.recordPage(run, "a".repeat(64), "https://api.polar.sh", Path.of("/r.csv"), lines);
        }
    }
}
