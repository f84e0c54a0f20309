package io.polarerasure.report;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Counts per outcome, read back from a report file: the report is the truth, also across resumes.
 *
 * @param inDoubt rows whose detail says an attempt was in doubt ({@link AuditLine#IN_DOUBT}), whatever their outcome
 */
public record ReportCounts(Map<Outcome, Long> byOutcome, long inDoubt) {

    public ReportCounts {
        byOutcome = Map.copyOf(byOutcome);
    }

    /** Counts with no row in doubt. */
    public ReportCounts(Map<Outcome, Long> byOutcome) {
        this(byOutcome, 0);
    }

    public static ReportCounts read(Path report) throws IOException {
        try (Reader reader = Files.newBufferedReader(report, StandardCharsets.UTF_8)) {
            return parse(reader);
        }
    }

    /** Counts the outcomes of report text; the caller closes the reader. */
    static ReportCounts parse(Reader report) throws IOException {
        Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
        long inDoubt = 0;
        CSVParser parser = ReportFormat.parser(report);
        for (CSVRecord record : parser) {
            counts.merge(Outcome.valueOf(record.get("outcome")), 1L, Long::sum);
            if (SpreadsheetSafe.raw(record.get("detail")).startsWith(AuditLine.IN_DOUBT)) {
                inDoubt++;
            }
        }
        return new ReportCounts(counts, inDoubt);
    }

    public long get(Outcome outcome) {
        return byOutcome.getOrDefault(outcome, 0L);
    }

    public long total() {
        return byOutcome.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * e.g. {@code DELETED 5, NOT_FOUND 2, INVALID 1}; outcomes with no row are left out. Rows in doubt follow in
     * words an officer reads without the glossary: {@code NOT_FOUND 2, of which 1 after a lost answer (in doubt)}
     * with one outcome, {@code DELETED 5, NOT_FOUND 2; of these 7 rows, 1 after a lost answer (in doubt)} with more.
     * The run's last line, {@code status} and the summary page all say it so.
     */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        int outcomes = 0;
        for (Outcome outcome : Outcome.values()) {
            long count = get(outcome);
            if (count > 0) {
                out.append(out.length() == 0 ? "" : ", ").append(outcome).append(' ').append(count);
                outcomes++;
            }
        }
        if (inDoubt > 0) {
            out.append(outcomes == 1 ? ", of which " : "; of these " + total() + " rows, ").append(inDoubtWords());
        }
        return out.length() == 0 ? "no rows" : out.toString();
    }

    /** e.g. {@code 1 after a lost answer (in doubt)}: a request of the row may have landed without its answer. */
    public String inDoubtWords() {
        return inDoubt + " after a lost answer (in doubt)";
    }
}
