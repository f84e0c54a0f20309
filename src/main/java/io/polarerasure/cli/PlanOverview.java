package io.polarerasure.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.polarerasure.polar.Rate;
import io.polarerasure.report.Outcome;
import io.polarerasure.report.ReportCounts;
import io.polarerasure.report.ReportFormat;
import io.polarerasure.report.SpreadsheetSafe;

import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * What a dry run's plan means before a big run: requests to send, duplicates, the invalid rows and why,
 * and how long the run takes at least at the rate limit.
 */
final class PlanOverview {

    /** Invalid rows printed at most; the plan file lists them all. */
    static final int MAX_INVALID_SHOWN = 10;

    private PlanOverview() {
    }

    static void print(Path plan, Rate rate, PrintWriter out) throws IOException {
        ReportCounts counts = ReportCounts.read(plan);
        long sends = counts.get(Outcome.WOULD_DELETE);
        out.printf("  %s%n", counts);
        out.printf("  would send %d request%s; at %s that takes about %s (more with retries)%n", sends,
                sends == 1 ? "" : "s", rate, ProgressPrinter.human(rate.interval().multipliedBy(sends)));
        out.printf("  duplicates: %d row%s repeat%s the ID of an earlier row and would not be sent again%n",
                counts.get(Outcome.DUPLICATE), counts.get(Outcome.DUPLICATE) == 1 ? "" : "s",
                counts.get(Outcome.DUPLICATE) == 1 ? "s" : "");
        long invalid = counts.get(Outcome.INVALID);
        out.printf("  invalid: %d row%s cannot be sent%s%n", invalid, invalid == 1 ? "" : "s", invalid == 0 ? ""
                : invalid > MAX_INVALID_SHOWN ? " (the first " + MAX_INVALID_SHOWN + "; the plan lists all):" : ":");
        for (String line : firstInvalid(plan)) {
            out.printf("    %s%n", line);
        }
    }

    private static List<String> firstInvalid(Path plan) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(plan, StandardCharsets.UTF_8);
             CSVParser parser = ReportFormat.CSV.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)) {
            for (CSVRecord record : parser) {
                if (lines.size() == MAX_INVALID_SHOWN) {
                    break;
                }
                if (Outcome.valueOf(record.get("outcome")) == Outcome.INVALID) {
                    lines.add("row " + record.get("row") + ": " + SpreadsheetSafe.raw(record.get("detail")));
                }
            }
        }
        return lines;
    }
}
