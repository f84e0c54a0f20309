package io.polarerasure.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.polarerasure.input.IdRules;
import io.polarerasure.input.Visible;
import io.polarerasure.kernel.Durations;
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
                sends == 1 ? "" : "s", rate, Durations.human(rate.interval().multipliedBy(sends)));
        out.printf("  duplicates: %d row%s repeat%s the ID of an earlier row and would not be sent again%n",
                counts.get(Outcome.DUPLICATE), counts.get(Outcome.DUPLICATE) == 1 ? "" : "s",
                counts.get(Outcome.DUPLICATE) == 1 ? "s" : "");
        Invalid invalid = invalid(plan);
        // Damage first: those rows are real requests whose IDs a spreadsheet changed, to be fixed and sent.
        if (invalid.damaged() > 0) {
            out.printf("  rows that look damaged by a spreadsheet: %d (not sent; fix the export, see the README)%s%n",
                    invalid.damaged(), invalid.damaged() > MAX_INVALID_SHOWN ? " (the first " + MAX_INVALID_SHOWN
                            + "; the plan lists all):" : ":");
            invalid.damagedShown().forEach(line -> out.printf("    %s%n", line));
        }
        long other = counts.get(Outcome.INVALID) - invalid.damaged();
        out.printf("  invalid: %d %srow%s cannot be sent%s%n", other, invalid.damaged() > 0 ? "other " : "",
                other == 1 ? "" : "s", other == 0 ? ""
                : other > MAX_INVALID_SHOWN ? " (the first " + MAX_INVALID_SHOWN + "; the plan lists all):" : ":");
        invalid.otherShown().forEach(line -> out.printf("    %s%n", line));
    }

    /** The INVALID rows of a plan: how many look damaged by a spreadsheet, and the first few of each kind. */
    private record Invalid(long damaged, List<String> damagedShown, List<String> otherShown) {
    }

    private static Invalid invalid(Path plan) throws IOException {
        long damaged = 0;
        List<String> damagedShown = new ArrayList<>();
        List<String> otherShown = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(plan, StandardCharsets.UTF_8);
             CSVParser parser = ReportFormat.parser(in)) {
            for (CSVRecord record : parser) {
                if (Outcome.valueOf(record.get("outcome")) != Outcome.INVALID) {
                    continue;
                }
                String detail = SpreadsheetSafe.raw(record.get("detail"));
                String line = "row " + record.get("row") + " (" + Visible.escape(SpreadsheetSafe.raw(
                        record.get("external_id"))) + "): " + detail;
                boolean isDamage = detail.startsWith(IdRules.DAMAGED);
                damaged += isDamage ? 1 : 0;
                List<String> shown = isDamage ? damagedShown : otherShown;
                if (shown.size() < MAX_INVALID_SHOWN) {
                    shown.add(line);
                }
            }
        }
        return new Invalid(damaged, damagedShown, otherShown);
    }
}
