package io.polarerasure.report;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

import io.polarerasure.kernel.Durations;

import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The run summary as a page a compliance officer opens in a browser: the headline and next step
 * ({@link SummaryHeadline}), counts per outcome as a bar chart, the rows needing attention with their details,
 * NOT_FOUND rows collapsed, what each outcome proves ({@link OutcomeGlossary}), and the proof last.
 * Self-contained (inline CSS, no script, a content security policy that forbids loading anything), owner-only like
 * the report, since it names customers. A view for people: {@link RunSummary} and the report stay the evidence.
 */
public final class HtmlSummary {

    /** Rows listed at most; beyond that the page says how many more the report holds. */
    static final int MAX_LISTED = 5_000;
    private static final List<Outcome> LISTED = List.of(Outcome.FAILED, Outcome.NOT_SENT, Outcome.INVALID);
    /** Local time with its zone's name; UTC is {@link Durations#utc}, the one form every output shares. */
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z",
            Locale.ROOT);
    private static final String[] COLOURS = {"#2e7d32", "#607d8b", "#f9a825", "#8d6e63", "#6a1b9a", "#c62828",
        "#9e9e9e", "#26a69a"};

    private HtmlSummary() {
    }

    /** Where the page of this report lives. */
    public static Path pathFor(Path report) {
        return report.resolveSibling(report.getFileName() + ".summary.html");
    }

    /** Writes the page of a final report, whole or not at all. */
    public static void write(RunSummary summary, Path report, Path page) throws IOException {
        write(summary, report, page, summary.finalReport() ? PendingRows.NONE : null);
    }

    /**
     * Writes the page whole or not at all.
     *
     * @param pending for a run that has not ended, where its rows stand beyond the report; null when not known
     * @throws IOException if the report cannot be read or the page cannot be written
     */
    public static void write(RunSummary summary, Path report, Path page, PendingRows pending) throws IOException {
        ReportFormat.replaceOwnerOnly(page, render(summary, report, pending, ZoneId.systemDefault())
                .getBytes(StandardCharsets.UTF_8));
    }

    static String render(RunSummary summary, Path report) throws IOException {
        return render(summary, report, ZoneId.systemDefault());
    }

    static String render(RunSummary summary, Path report, ZoneId zone) throws IOException {
        return render(summary, report, summary.finalReport() ? PendingRows.NONE : null, zone);
    }

    /** The page, with local times in {@code zone} beside UTC. */
    static String render(RunSummary summary, Path report, PendingRows pending, ZoneId zone) throws IOException {
        StringBuilder html = new StringBuilder(16 * 1024);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';")
                .append(" style-src 'unsafe-inline'\">\n")
                .append("<title>Erasure run ").append(summary.runId()).append(": ")
                .append(escape(Path.of(summary.inputFile()).getFileName().toString())).append("</title>\n")
                .append("<style>body{font:14px/1.4 sans-serif;margin:2em;color:#222;max-width:70em}")
                .append("table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}")
                .append(".facts th{background:#f4f4f4}.bar{height:18px;display:block}")
                // A full bar fills its track, not the cell, so its label stays inside the cell.
                .append(".track{display:inline-block;width:340px;vertical-align:middle}")
                .append(".chart td{white-space:nowrap}.mono{font-family:monospace}small{color:#555}")
                .append(".attention{color:#b71c1c}.settled{color:#1b5e20}</style>\n</head>\n<body>\n");
        SummaryHeadline.append(html, summary, pending);
        if (summary.provenance().abandonedReason() != null) {
            html.append("<p>Abandoned: ").append(escape(summary.provenance().abandonedReason())).append("</p>\n");
        }
        if (summary.provenance().tookOver() != null) {
            html.append("<p>This run ").append(escape(summary.provenance().tookOver())).append(".</p>\n");
        }
        chart(html, summary.counts());
        html.append("<h2>Rows to review first: REVIEW</h2>\n<p>An earlier attempt's answer was lost and a customer"
                + " created after it now holds the external ID: it was left alone. Check each with the merchant.</p>\n");
        rows(html, report, List.of(Outcome.REVIEW), zone);
        html.append("<h2>Rows that need attention: FAILED, NOT_SENT and INVALID</h2>\n");
        rows(html, report, LISTED, zone);
        html.append("<h2>Rows with no customer at Polar: NOT_FOUND</h2>\n<p>Often a typo or an ID from another system;"
                + " see the glossary for what else it can mean.</p>\n<details><summary>Show the ")
                .append(summary.counts().get(Outcome.NOT_FOUND)).append(" NOT_FOUND rows</summary>\n");
        rows(html, report, List.of(Outcome.NOT_FOUND), zone);
        html.append("</details>\n");
        OutcomeGlossary.append(html);
        html.append("<h2>Proof</h2>\n");
        facts(html, summary, zone);
        html.append("<p>Check the report against this summary with <span class=\"mono\">polar-erasure verify --report ")
                .append(escape(summary.reportFile())).append("</span>.</p>\n</body>\n</html>\n");
        return html.toString();
    }

    private static void facts(StringBuilder html, RunSummary summary, ZoneId zone) {
        html.append("<table class=\"facts\">\n");
        fact(html, "Request file", summary.inputFile());
        fact(html, "Request file SHA-256", summary.inputSha256());
        fact(html, "Rows", Long.toString(summary.inputRows()));
        fact(html, "Empty records skipped (not rows)", Long.toString(summary.skippedEmptyRecords()));
        fact(html, "Report", summary.reportFile());
        fact(html, "Report SHA-256", summary.reportSha256());
        fact(html, "Started", time(summary.started(), zone));
        fact(html, "Finished", time(summary.finished(), zone));
        fact(html, "Duration", Durations.human(Duration.between(summary.started(), summary.finished())));
        fact(html, "Polar API", summary.apiBaseUrl());
        fact(html, "Environment", summary.provenance().environment());
        fact(html, "Answered by", summary.provenance().answeredBy());
        fact(html, "Job repository", summary.provenance().jobRepository());
        fact(html, "Run (job instance) / execution", summary.runId() + " / " + summary.executionId()
                + (summary.provenance().rerun() > 0 ? ", rerun " + summary.provenance().rerun() : ""));
        if (summary.provenance().retryOf() != null) {
            fact(html, "Retry of (the report whose rows this run sent again)", summary.provenance().retryOf());
        }
        if (summary.provenance().retriedIn() != null) {
            fact(html, "Retried in (the request file of this run's FAILED rows)", summary.provenance().retriedIn());
        }
        fact(html, "Rate limit", summary.rateLimit());
        fact(html, "Tool version", summary.toolVersion());
        fact(html, "Exit code", Integer.toString(summary.exitCode()));
        fact(html, "Rows after a lost answer (in doubt; each one's detail says what the job then checked)",
                summary.counts().inDoubt() + " of " + summary.counts().total());
        html.append("</table>\n");
    }

    /** e.g. {@code 2026-11-28 03:30:00 CET (2026-11-28 02:30:00 UTC)}: to the second. */
    static String time(Instant instant, ZoneId zone) {
        if (instant == null) {
            return null;
        }
        String utc = Durations.utc(instant);
        // On a machine kept in UTC the local time is the UTC time: say it once.
        return zone.getRules().getOffset(instant).getTotalSeconds() == 0 && zone.normalized().getId().matches("Z|UTC|GMT")
                ? utc : LOCAL.format(instant.atZone(zone)) + " (" + utc + ")";
    }

    private static void fact(StringBuilder html, String name, String value) {
        html.append("<tr><th>").append(name).append("</th><td class=\"mono\">")
                .append(value == null ? "not recorded" : escape(value))
                .append("</td></tr>\n");
    }

    /** One bar per outcome, as wide as its share of the rows: plain CSS, readable without colour too. */
    private static void chart(StringBuilder html, ReportCounts counts) {
        html.append("<h2>Outcomes</h2>\n<table class=\"chart\">\n");
        long total = Math.max(1, counts.total());
        int colour = 0;
        for (Outcome outcome : Outcome.values()) {
            if (outcome == Outcome.WOULD_DELETE) {
                continue;
            }
            long count = counts.get(outcome);
            html.append(String.format(Locale.ROOT, "<tr><th>%s</th><td>%d</td><td><span class=\"track\"><span"
                            + " class=\"bar\" style=\"width:%.1f%%;background:%s\"></span></span> %.1f%%</td></tr>%n",
                    outcome, count, 100.0 * count / total, COLOURS[colour++], 100.0 * count / total));
        }
        html.append("</table>\n");
        if (counts.inDoubt() > 0) {
            html.append("<p>Of these ").append(counts.total()).append(" rows, ").append(escape(counts.inDoubtWords()))
                    .append(": a request's answer was lost, and each such row's detail says what the job then"
                            + " checked.</p>\n");
        }
    }

    private static void rows(StringBuilder html, Path report, List<Outcome> listedOutcomes, ZoneId zone)
            throws IOException {
        long listed = 0;
        long more = 0;
        StringBuilder table = new StringBuilder("<table>\n<tr><th>Row</th><th>External ID</th><th>Outcome</th>"
                + "<th>HTTP status</th><th>Attempts</th><th>Detail</th><th>Processed at</th></tr>\n");
        try (Reader in = Files.newBufferedReader(report, StandardCharsets.UTF_8);
             CSVParser parser = ReportFormat.parser(in)) {
            for (CSVRecord record : parser) {
                if (!listedOutcomes.contains(Outcome.valueOf(record.get("outcome")))) {
                    continue;
                }
                if (listed == MAX_LISTED) {
                    more++;
                    continue;
                }
                listed++;
                table.append("<tr>");
                for (String column : ReportFormat.HEADER) {
                    String value = record.get(column);
                    if (column.equals("processed_at") && !value.isEmpty()) {
                        try {
                            value = time(Instant.parse(value), zone);
                        } catch (java.time.format.DateTimeParseException e) {
                            // Shown as written.
                        }
                    }
                    table.append("<td").append(column.equals("external_id") ? " class=\"mono\"" : "").append('>');
                    if (column.equals("detail")) {
                        detail(table, SpreadsheetSafe.raw(value));
                    } else {
                        table.append(escape(column.equals("external_id") ? SpreadsheetSafe.raw(value) : value));
                    }
                    table.append("</td>");
                }
                table.append("</tr>\n");
            }
        }
        if (listed == 0) {
            html.append("<p>None.</p>\n");
            return;
        }
        html.append(table).append("</table>\n");
        if (more > 0) {
            html.append("<p>").append(more).append(" more such rows are in the report.</p>\n");
        }
    }

    /**
     * A row's detail: the words first, a technical cause (an exception's name, an HTTP body) in a smaller line.
     * The report keeps the detail whole; only its display is split, at the first "; last error: " or ": ".
     */
    private static void detail(StringBuilder table, String detail) {
        int cut = detail.indexOf("; last error: ");
        int skip = "; last error: ".length();
        if (cut < 0) {
            cut = detail.indexOf(": ");
            skip = 2;
        }
        if (cut <= 0 || !detail.substring(cut + skip).matches("(?s).*([A-Z][a-z]+)+(Exception|Error).*|.*[{<].*")) {
            table.append(escape(detail));
            return;
        }
        table.append(escape(detail.substring(0, cut))).append("<br><small>").append(escape(detail.substring(cut + skip)))
                .append("</small>");
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' || c == 0x7f) {
                        out.append("&#xFFFD;"); // control characters are not allowed in HTML text
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.toString();
    }
}
