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
 * Not a test: how fast {@link Ledger#file} moves a run's pages into the entry table on an H2 file repository.
 * Run: {@code mvn -B -o -Pbenchmark test -Dtest=LedgerFilingBenchmark -Dledger.entries=100000}; prints entries/s.
 */
@org.junit.jupiter.api.Tag("benchmark")
class LedgerFilingBenchmark {

    @Test
    void files_a_runs_pages() throws Exception {
        int total = Integer.getInteger("ledger.entries", 100_000);
        int perPage = Integer.getInteger("ledger.page", 100);
        Path dir = Files.createTempDirectory("ledger-bench");
        DriverManagerDataSource dataSource = new DriverManagerDataSource("jdbc:h2:file:" + dir.resolve("repository"),
                "sa", "");
        RepositorySchema.ensure(dataSource);
        Ledger ledger = new Ledger(dataSource);
        Instant at = Instant.parse("2026-11-30T10:15:30.123Z");
        for (int first = 1; first <= total; first += perPage) {
            List<AuditLine> lines = new ArrayList<>(perPage);
            for (int row = first; row < first + perPage && row <= total; row++) {
                lines.add(new AuditLine(row, "usr_" + row, row % 3 == 0 ? Outcome.NOT_FOUND : Outcome.DELETED,
                        row % 3 == 0 ? 404 : 204, 1, "", at));
            }
            ledger.recordPage(1, "a".repeat(64), "https://api.polar.sh", Path.of("/r.csv"), lines);
        }
        long start = System.nanoTime();
        int filed = ledger.file(1);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("LEDGER FILING: %,d entries in %.1f s: %,.0f entries/s%n", filed, seconds, filed / seconds);
    }
}
