package io.polarerasure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.ReportFormat;

/**
 * A seeded request file with invalid rows and duplicates spread through it, the customers that exist
 * at the fake Polar, and the checks that a finished report tells exactly what happened there.
 */
final class Workload {

    /** How the detail of a row begins when some DELETE of it may have landed without a definitive answer. */
    static final String IN_DOUBT = AuditLine.IN_DOUBT;
    /** What the detail of a row in doubt says when the journal that counted its attempts was lost. */
    static final String ATTEMPTS_UNKNOWN = "its journal was lost";

    /** One data row of the request file and what its outcome must be when it is not sent. */
    record Row(long number, String externalId, String fixedOutcome, Long firstRow) {
    }

    /** One line of a finished report. */
    record Line(long row, String externalId, String outcome, int attempts, String detail) {

        boolean inDoubt() {
            return detail.startsWith(IN_DOUBT);
        }
    }

    final List<Row> rows = new ArrayList<>();
    final Set<String> existing = new HashSet<>();

    private Workload() {
    }

    /** {@code size} rows: about 5 % invalid, 10 % duplicates of an earlier row, 10 % unknown to Polar. */
    static Workload generate(Random random, int size) {
        Workload workload = new Workload();
        Map<String, Long> firstRow = new HashMap<>();
        List<String> sent = new ArrayList<>();
        for (long n = 1; n <= size; n++) {
            double kind = random.nextDouble();
            if (kind < 0.03) {
                workload.rows.add(new Row(n, "", "INVALID", null));
            } else if (kind < 0.05) {
                workload.rows.add(new Row(n, "team/" + n, "INVALID", null));
            } else if (kind < 0.15 && !sent.isEmpty()) {
                String id = sent.get(random.nextInt(sent.size()));
                workload.rows.add(new Row(n, id, "DUPLICATE", firstRow.get(id)));
            } else {
                String id = "cus_" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
                firstRow.put(id, n);
                sent.add(id);
                workload.rows.add(new Row(n, id, null, null));
                if (random.nextDouble() >= 0.1) {
                    workload.existing.add(id);
                }
            }
        }
        return workload;
    }

    Path write(Path dir) throws IOException {
        StringBuilder csv = new StringBuilder("request_id,external_id\n");
        for (Row row : rows) {
            csv.append("REQ-").append(row.number()).append(',').append(row.externalId()).append('\n');
        }
        return Files.writeString(dir.resolve("requests.csv"), csv, StandardCharsets.UTF_8);
    }

    /** Rows that are to be sent. */
    long sendable() {
        return rows.stream().filter(row -> row.fixedOutcome() == null).count();
    }

    static List<Line> read(Path report) throws IOException {
        assertThat(Reports.headerNames(report)).containsExactly(ReportFormat.HEADER);
        return Reports.read(report, record -> new Line(Long.parseLong(record.get("row")), record.get("external_id"),
                record.get("outcome"), Integer.parseInt(record.get("attempts")), record.get("detail")));
    }

    /**
     * Checks a finished report against what the fake saw, and returns the rows in doubt: a DELETE of theirs
     * may have landed without a recorded answer (a crash lost it).
     *
     * <p>Every row exactly once, in order; INVALID and DUPLICATE rows never sent; no customer erased but those
     * that existed before the run, each once (never one who took a freed ID next); every customer the fake erased
     * is DELETED, except rows in doubt, which say so and are NOT_FOUND or, when a new customer took the ID, REVIEW;
     * nothing DELETED that was not erased; {@code attempts} are the DELETEs the fake received (plus at most one
     * journaled by a killed process just before it could send it); every existing customer erased.
     */
    List<Line> verify(Path report, FakePolar fake) throws IOException {
        List<Line> lines = read(report);
        assertThat(lines).extracting(Line::row).containsExactlyElementsOf(rows.stream().map(Row::number).toList());
        Map<String, Integer> sends = new HashMap<>();
        Map<String, Integer> reached = new HashMap<>();
        for (FakePolar.Request request : fake.requests()) {
            assertThat(request.externalId()).as("a request the fake could not route").isNotNull();
            if (request.method().equals("DELETE")) {
                // Every DELETE sent is an attempt (look-ups are not); 429s are refused by Polar's rate limit
                // before anything happened, so only the others reached Polar.
                sends.merge(request.externalId(), 1, Integer::sum);
                if (request.status() != 429) {
                    reached.merge(request.externalId(), 1, Integer::sum);
                }
            }
        }
        Set<String> deleted = new LinkedHashSet<>(fake.deletedIds());
        assertThat(fake.deletedIds()).as("customers erased twice").doesNotHaveDuplicates();
        assertThat(fake.erasedCustomers()).as("a customer who took a freed ID next was erased")
                .allSatisfy(c -> assertThat(c.createdAt()).isEqualTo(FakePolar.SEEDED_CREATED_AT));
        List<Line> inDoubt = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            Line line = lines.get(i);
            assertThat(line.externalId()).as("row %d", row.number()).isEqualTo(row.externalId());
            if (row.fixedOutcome() != null) {
                assertThat(line.outcome()).as("row %d", row.number()).isEqualTo(row.fixedOutcome());
                if (row.fixedOutcome().equals("DUPLICATE")) {
                    assertThat(line.detail()).endsWith("as row " + row.firstRow());
                } else {
                    assertThat(sends).as("INVALID row %d was sent", row.number()).doesNotContainKey(row.externalId());
                }
                continue;
            }
            int sent = sends.getOrDefault(row.externalId(), 0);
            if (line.inDoubt()) {
                inDoubt.add(line);
                if (line.detail().contains(ATTEMPTS_UNKNOWN)) {
                    assertThat(line.attempts()).as("row %d: this execution's DELETEs", row.number())
                            .isLessThanOrEqualTo(sent);
                } else {
                    // Each DELETE is journaled before it leaves; a kill may come between the two.
                    assertThat(line.attempts()).as("row %d (%s): attempts", row.number(), line)
                            .isBetween(sent, sent + 1);
                }
            } else {
                assertThat(reached.getOrDefault(row.externalId(), 0)).as("row %d (%s) reached Polar exactly once",
                        row.number(), line).isEqualTo(1);
                assertThat(line.attempts()).as("row %d: attempts are the DELETEs sent, 429s included", row.number())
                        .isEqualTo(sent);
            }
            if (line.outcome().equals("REVIEW")) {
                assertThat(line.inDoubt()).as("row %d: REVIEW without doubt", row.number()).isTrue();
                assertThat(deleted).as("row %d: REVIEW, yet its customer was never erased", row.number())
                        .contains(row.externalId());
                assertThat(fake.customer(row.externalId())).as("row %d: a new customer holds the ID", row.number())
                        .hasValueSatisfying(c -> assertThat(c.createdAt()).isAfter(FakePolar.SEEDED_CREATED_AT));
            } else if (deleted.contains(row.externalId())) {
                if (line.outcome().equals("NOT_FOUND")) {
                    assertThat(line.inDoubt()).as("row %d erased but reported %s", row.number(), line).isTrue();
                } else {
                    assertThat(line.outcome()).as("row %d", row.number()).isEqualTo("DELETED");
                }
            } else {
                assertThat(line.outcome()).as("row %d was never erased", row.number()).isEqualTo("NOT_FOUND");
                assertThat(existing).doesNotContain(row.externalId());
            }
        }
        assertThat(deleted).containsExactlyInAnyOrderElementsOf(existing);
        return inDoubt;
    }
}
