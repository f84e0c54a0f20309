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
                .doesNotContain("<script>", "usr_1", "usr_5", "src=", "href=", "url(", "@import");
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
        byte[] header = ReportFormat.headerBytes();
        byte[] body = ReportFormat.linesBytes(lines);
        byte[] all = new byte[header.length + body.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(body, 0, all, header.length, body.length);
        Files.write(report, all);
        return report;
    }

    private static RunSummary summary(Path report) throws IOException {
        ReportFacts facts = ReportFacts.read(report);
        return new RunSummary("/in/requests.csv", "a".repeat(64), report.toString(), facts.sha256(), 7, 9,
                "COMPLETED", AT, AT.plusSeconds(3723), "https://api.polar.sh", "300/min", "1.0.0", facts.rows(),
                new ReportCounts(Map.copyOf(facts.counts().byOutcome())), 1,
                new RunSummary.Provenance("production", null, "/state/repository", 0, null));
    }
}
