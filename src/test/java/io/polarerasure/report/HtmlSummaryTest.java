package io.polarerasure.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlSummaryTest {

    private static final Instant AT = Instant.parse("2026-11-28T02:30:00Z");

    @TempDir
    Path dir;

    @Test
    void a_settled_run_says_so_in_its_headline_with_local_and_utc_times_to_the_second() throws IOException {
        Path report = report(List.of(new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT),
                new AuditLine(2, "usr_2", Outcome.NOT_FOUND, 404, 1, "", AT),
                AuditLine.withoutCall(3, "", Outcome.INVALID, "empty", AT)));

        String html = HtmlSummary.render(summary(report), report, java.time.ZoneId.of("Europe/Berlin"));

        assertThat(html).contains("<h1 class=\"settled\">All 3 requests settled: 1 erased, 1 had no customer, 1 not"
                + " sent (invalid or duplicate)</h1>").contains("2026-11-28 03:30:00 CET (2026-11-28 02:30:00 UTC)");
    }

    @Test
    void a_stopped_run_says_it_stopped_where_its_rows_stand_beyond_the_report_and_the_next_step() throws IOException {
        Path report = report(List.of(new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT),
                new AuditLine(2, "usr_2", Outcome.NOT_FOUND, 404, 1, "", AT)));
        RunSummary stopped = summary(report, "STOPPED", 20);

        String html = HtmlSummary.render(stopped, report, PendingRows.of(20, 2, 12, 1), java.time.ZoneId.of("UTC"));

        assertThat(html).contains("<h1 class=\"attention\">Stopped, not finished: 2 of 20 rows in the report so"
                        + " far</h1>")
                .contains("<li>The report holds the 2 rows up to the run&#39;s last checkpoint, and only those.</li>")
                .contains("<li>12 rows answered by Polar but only in the run&#39;s journal: they reach the report,"
                        + " without being sent again, when the run resumes.</li>")
                .contains("<li>1 row sent without a recorded answer (in doubt): on resume each is looked up at Polar"
                        + " before anything is sent again.</li>")
                .contains("<li>5 rows not yet sent.</li>")
                .contains("<b>Next step:</b> Run the same command again to resume");
        assertThat(html.indexOf("Next step")).isGreaterThan(html.indexOf("not yet sent"));
    }

    @Test
    void a_run_that_ended_part_way_without_a_readable_journal_points_at_status() throws IOException {
        Path report = report(List.of(new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT)));

        String html = HtmlSummary.render(summary(report, "FAILED", 3), report, null, java.time.ZoneId.of("UTC"));

        assertThat(html).contains("Ended part-way, not finished: 1 of 3 rows in the report so far")
                .contains("polar-erasure status shows how many").doesNotContain("not yet sent")
                .contains("The command&#39;s output and log say why the run ended");
    }

    @Test
    void rows_after_a_lost_answer_are_said_in_words_under_the_chart_and_in_the_proof() throws IOException {
        Path report = report(List.of(new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT),
                new AuditLine(2, "usr_2", Outcome.NOT_FOUND, 404, 2, AuditLine.IN_DOUBT + "looked up: none", AT)));

        String html = HtmlSummary.render(summary(report), report);

        assertThat(html).contains("<p>Of these 2 rows, 1 after a lost answer (in doubt): a request's answer was"
                + " lost, and each such row's detail says what the job then checked.</p>")
                .contains("<td class=\"mono\">1 of 2</td>");
    }

    @Test
    void a_technical_cause_is_shown_smaller_under_the_words() throws IOException {
        Path report = report(List.of(new AuditLine(1, "usr_1", Outcome.FAILED, 0, 6,
                "gave up after 6 failed requests; last error: SocketTimeoutException: timeout", AT)));

        assertThat(HtmlSummary.render(summary(report), report)).contains("gave up after 6 failed requests<br><small>"
                + "SocketTimeoutException: timeout</small>");
    }

    @Test
    void lists_failed_and_invalid_rows_escaped_and_loads_nothing_from_the_network() throws IOException {
        Path report = report(List.of(
                new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT),
                new AuditLine(2, "<script>alert('x')</script>", Outcome.FAILED, 503, 6, "edge 503 & \"down\"", AT),
                AuditLine.withoutCall(3, "team/x", Outcome.INVALID, "contains '/'", AT),
                AuditLine.withoutCall(4, "=1+2", Outcome.INVALID, "=evil", AT),
                new AuditLine(5, "usr_5", Outcome.NOT_FOUND, 404, 1, "", AT)));
        Path page = HtmlSummary.pathFor(report);

        HtmlSummary.write(summary(report), report, page);

        String html = Files.readString(page);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(page))).isEqualTo("rw-------");
        assertThat(html).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", "edge 503 &amp; &quot;down&quot;",
                        "team/x", "<td class=\"mono\">=1+2</td>", "<td>=evil</td>", "default-src 'none'")
                .doesNotContain("<script>", "usr_1", "src=", "href=", "url(", "@import");
        assertThat(html.indexOf("usr_5")).as("NOT_FOUND rows listed, collapsed, after the rows needing attention")
                .isGreaterThan(html.indexOf("<details>")).isGreaterThan(html.indexOf("=evil"));
        assertThat(html).contains("<h1 class=\"attention\">Needs attention: 1 row failed, see below</h1>")
                .contains("<th>NOT_FOUND</th><td>No live customer holds this external ID. That includes customers"
                        + " deleted earlier without anonymizing")
                .contains("2026-11-28 02:30:00 UTC");
        assertThat(html.indexOf("<h2>Proof</h2>")).as("proof last").isGreaterThan(html.indexOf("What each outcome"));
        assertThat(html).containsPattern("<th>FAILED</th><td>1</td>.*width:20\\.0%");
        assertThat(html).containsPattern("<th>INVALID</th><td>2</td>.*width:40\\.0%");
    }

    @Test
    void says_how_many_rows_are_left_out_beyond_the_limit() throws IOException {
        List<AuditLine> lines = new ArrayList<>();
        for (int row = 1; row <= HtmlSummary.MAX_LISTED + 3; row++) {
            lines.add(new AuditLine(row, "id" + row, Outcome.FAILED, 503, 6, "", AT));
        }
        Path report = report(lines);

        String html = HtmlSummary.render(summary(report), report);

        assertThat(html).contains("id" + HtmlSummary.MAX_LISTED + "<", "3 more such rows are in the report.")
                .doesNotContain("id" + (HtmlSummary.MAX_LISTED + 1) + "<");
    }

    private Path report(List<AuditLine> lines) throws IOException {
        Path report = dir.resolve("requests.audit.csv");
        writeReport(report, lines);
        return report;
    }

    /** Writes report lines the way the job does (also for {@link SummaryPageChromiumIT}). */
    static void writeReport(Path report, List<AuditLine> lines) throws IOException {
        byte[] header = ReportFormat.headerBytes();
        byte[] body = ReportFormat.linesBytes(lines);
        byte[] all = new byte[header.length + body.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(body, 0, all, header.length, body.length);
        Files.write(report, all);
    }

    private static RunSummary summary(Path report) throws IOException {
        return summary(report, "COMPLETED", ReportFacts.read(report).rows());
    }

    private static RunSummary summary(Path report, String state, long inputRows) throws IOException {
        ReportFacts facts = ReportFacts.read(report);
        return new RunSummary("/in/requests.csv", "a".repeat(64), report.toString(), facts.sha256(), 7, 9,
                state, AT, AT.plusSeconds(3723), "https://api.polar.sh", "300/min", "1.0.0", inputRows,
                facts.counts(), 1,
                new RunSummary.Provenance("production", null, "/state/repository", 0, null));
    }
}
