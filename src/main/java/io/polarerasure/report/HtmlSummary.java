package io.polarerasure.report;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The run summary as a page a compliance officer opens in a browser: the run's facts, counts per outcome
 * as a bar chart, and the FAILED and INVALID rows with their details. Self-contained (inline CSS, no script,
 * a content security policy that forbids loading anything), owner-only like the report, since it names
 * customers. A view for people: {@link RunSummary} and the report stay the evidence.
 */
public final class HtmlSummary {

    /** Rows listed at most; beyond that the page says how many more the report holds. */
    static final int MAX_LISTED = 5_000;
    private static final List<Outcome> LISTED = List.of(Outcome.FAILED, Outcome.INVALID);
    private static final String[] COLOURS = {"#2e7d32", "#607d8b", "#f9a825", "#8d6e63", "#6a1b9a", "#c62828",
        "#9e9e9e", "#26a69a"};

    private HtmlSummary() {
    }

    /** Where the page of this report lives. */
    public static Path pathFor(Path report) {
        return report.resolveSibling(report.getFileName() + ".summary.html");
    }

    /** Writes the page whole or not at all. */
    public static void write(RunSummary summary, Path report, Path page) throws IOException {
        ReportFormat.replaceOwnerOnly(page, render(summary, report).getBytes(StandardCharsets.UTF_8));
    }

    static String render(RunSummary summary, Path report) throws IOException {
        StringBuilder html = new StringBuilder(16 * 1024);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';")
                .append(" style-src 'unsafe-inline'\">\n")
                .append("<title>Erasure run ").append(summary.runId()).append(": ")
                .append(escape(Path.of(summary.inputFile()).getFileName().toString())).append("</title>\n")
                .append("<style>body{font:14px/1.4 sans-serif;margin:2em;color:#222}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}")
                .append(".facts th{background:#f4f4f4}.bar{height:18px;display:inline-block;vertical-align:middle}")
                .append(".mono{font-family:monospace}</style>\n</head>\n<body>\n");
        html.append("<h1>Erasure run ").append(summary.runId()).append(": ").append(escape(summary.state()))
                .append(summary.complete() ? "" : summary.finalReport()
                        ? " (closed without sending every row: rows never sent say NOT_SENT)"
                        : " (not complete: this report is not final)").append("</h1>\n");
        if (summary.provenance().abandonedReason() != null) {
            html.append("<p>Abandoned: ").append(escape(summary.provenance().abandonedReason())).append("</p>\n");
        }
        facts(html, summary);
        chart(html, summary.counts());
        html.append("<h2>Rows to review first: REVIEW</h2>\n<p>An earlier attempt's answer was lost and a customer"
                + " created after it now holds the external ID: it was left alone. Check each with the merchant.</p>\n");
        rows(html, report, List.of(Outcome.REVIEW));
        html.append("<h2>Rows that need attention: FAILED and INVALID</h2>\n");
        rows(html, report, LISTED);
        html.append("<p>Check the report against its summary with <span class=\"mono\">polar-erasure verify --report ")
                .append(escape(summary.reportFile())).append("</span>.</p>\n</body>\n</html>\n");
        return html.toString();
    }

    private static void facts(StringBuilder html, RunSummary summary) {
        html.append("<table class=\"facts\">\n");
        fact(html, "Request file", summary.inputFile());
        fact(html, "Request file SHA-256", summary.inputSha256());
        fact(html, "Rows", Long.toString(summary.inputRows()));
        fact(html, "Empty records skipped (not rows)", Long.toString(summary.skippedEmptyRecords()));
        fact(html, "Report", summary.reportFile());
        fact(html, "Report SHA-256", summary.reportSha256());
        fact(html, "Started (UTC)", summary.started().toString());
        fact(html, "Finished (UTC)", summary.finished().toString());
        fact(html, "Duration", human(Duration.between(summary.started(), summary.finished())));
        fact(html, "Polar API", summary.apiBaseUrl());
        fact(html, "Environment", summary.provenance().environment());
        fact(html, "Answered by", summary.provenance().answeredBy());
        fact(html, "Job repository", summary.provenance().jobRepository());
        fact(html, "Run (job instance) / execution", summary.runId() + " / " + summary.executionId()
                + (summary.provenance().rerun() > 0 ? ", rerun " + summary.provenance().rerun() : ""));
        fact(html, "Rate limit", summary.rateLimit());
        fact(html, "Tool version", summary.toolVersion());
        fact(html, "Exit code", Integer.toString(summary.exitCode()));
        fact(html, "Rows in doubt (an answer was lost; the detail says what was done)",
                Long.toString(summary.counts().inDoubt()));
        html.append("</table>\n");
    }

    private static void fact(StringBuilder html, String name, String value) {
        html.append("<tr><th>").append(name).append("</th><td class=\"mono\">")
                .append(value == null ? "not recorded" : escape(value))
                .append("</td></tr>\n");
    }

    /** One bar per outcome, as wide as its share of the rows: plain CSS, readable without colour too. */
    private static void chart(StringBuilder html, ReportCounts counts) {
        html.append("<h2>Outcomes</h2>\n<table>\n");
        long total = Math.max(1, counts.total());
        int colour = 0;
        for (Outcome outcome : Outcome.values()) {
            if (outcome == Outcome.WOULD_DELETE) {
                continue;
            }
            long count = counts.get(outcome);
            html.append(String.format(Locale.ROOT, "<tr><th>%s</th><td>%d</td><td style=\"width:420px\">"
                            + "<span class=\"bar\" style=\"width:%.1f%%;background:%s\"></span> %.1f%%</td></tr>%n",
                    outcome, count, 100.0 * count / total, COLOURS[colour++], 100.0 * count / total));
        }
        html.append("</table>\n");
    }

    private static void rows(StringBuilder html, Path report, List<Outcome> listedOutcomes) throws IOException {
        long listed = 0;
        long more = 0;
        StringBuilder table = new StringBuilder("<table>\n<tr><th>Row</th><th>External ID</th><th>Outcome</th>"
                + "<th>HTTP status</th><th>Attempts</th><th>Detail</th><th>Processed at</th></tr>\n");
        try (Reader in = Files.newBufferedReader(report, StandardCharsets.UTF_8);
             CSVParser parser = ReportFormat.CSV.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)) {
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
                    table.append("<td").append(column.equals("external_id") ? " class=\"mono\"" : "").append('>')
                            .append(escape(column.equals("external_id") || column.equals("detail")
                                    ? SpreadsheetSafe.raw(value) : value))
                            .append("</td>");
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

    private static String human(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        return String.format(Locale.ROOT, "%d h %02d min %02d s", seconds / 3600, seconds % 3600 / 60, seconds % 60);
    }
}
