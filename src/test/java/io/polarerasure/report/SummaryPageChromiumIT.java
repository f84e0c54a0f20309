package io.polarerasure.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the summary page in a real headless Chromium (Debian's {@code chromium}; {@code .ci/run} installs it) and
 * checks what the browser built: the headline, the glossary, the proof last, nothing loaded from elsewhere.
 * Skipped, saying so, where Chromium is absent.
 */
class SummaryPageChromiumIT {

    private static final Instant AT = Instant.parse("2026-11-28T02:30:00Z");

    @TempDir
    Path dir;

    @Test
    void chromium_renders_the_headline_the_glossary_and_the_proof_last() throws Exception {
        Path chromium = chromium();
        Path page = completedRunsPage(1, new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT),
                new AuditLine(2, "usr_2", Outcome.FAILED, 503, 6,
                        "gave up after 6 failed requests; last error: SocketTimeoutException: timeout", AT),
                new AuditLine(3, "usr_3", Outcome.NOT_FOUND, 404, 1, "", AT));

        String dom = dom(chromium, page);

        assertThat(dom).as(Files.readString(dir.resolve("chromium.err")))
                .contains("<h1 class=\"attention\">Needs attention: 1 row failed, see below</h1>")
                .contains("gave up after 6 failed requests<br><small>SocketTimeoutException: timeout</small>")
                .contains("<details><summary>Show the 1 NOT_FOUND rows</summary>");
        assertThat(dom.indexOf("<h2>Proof</h2>")).isGreaterThan(dom.indexOf("What each outcome means"));
    }

    @Test
    void chromium_shows_a_stopped_run_with_the_rows_beyond_its_report_and_the_next_step() throws Exception {
        Path chromium = chromium();
        Path report = dir.resolve("requests.audit.csv");
        HtmlSummaryTest.writeReport(report, List.of(new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT)));
        ReportFacts facts = ReportFacts.read(report);
        RunSummary summary = new RunSummary("/in/requests.csv", "a".repeat(64), report.toString(), facts.sha256(), 7,
                9, "STOPPED", AT, AT.plusSeconds(61), "https://api.polar.sh", "300/min", "1.0.0", 50,
                facts.counts(), 3, new RunSummary.Provenance("production", "production", "/state/repository", 0, null));
        Path page = HtmlSummary.pathFor(report);
        HtmlSummary.write(summary, report, page, PendingRows.of(50, 1, 9, 0));

        String dom = dom(chromium, page);

        assertThat(dom).as(Files.readString(dir.resolve("chromium.err")))
                .contains("<h1 class=\"attention\">Stopped, not finished: 1 of 50 rows in the report so far</h1>")
                .contains("<li>9 rows answered by Polar but only in the run's journal: they reach the report, without"
                        + " being sent again, when the run resumes.</li>")
                .contains("<li>40 rows not yet sent.</li>")
                .contains("<b>Next step:</b> Run the same command again to resume");
    }

    @Test
    void chromium_keeps_the_label_of_a_full_bar_inside_its_cell() throws Exception {
        Path chromium = chromium();
        Path page = completedRunsPage(0, new AuditLine(1, "usr_1", Outcome.DELETED, 204, 1, "", AT),
                new AuditLine(2, "usr_2", Outcome.DELETED, 204, 1, "", AT));
        // The page forbids scripts; a copy allows one, which measures each label against its cell.
        Path measured = Files.writeString(dir.resolve("measured.html"), Files.readString(page)
                .replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';")
                .replace("</body>", """
                        <script>
                        const out = [];
                        for (const cell of document.querySelectorAll('.chart td:last-child')) {
                          const range = document.createRange();
                          range.selectNodeContents(cell);
                          const label = Math.max(...Array.from(range.getClientRects(), rect => rect.right));
                          const box = cell.getBoundingClientRect();
                          out.push(cell.parentElement.firstElementChild.textContent + ' '
                              + (label <= box.right ? 'inside' : 'outside by ' + (label - box.right)));
                        }
                        const pre = document.createElement('pre');
                        pre.id = 'labels';
                        pre.textContent = out.join(';');
                        document.body.appendChild(pre);
                        </script>
                        </body>"""));

        String dom = dom(chromium, measured);

        assertThat(dom).as(Files.readString(dir.resolve("chromium.err"))).contains("<pre id=\"labels\">DELETED ")
                .contains("</span></span> 100.0%</td>");
        String labels = dom.substring(dom.indexOf("<pre id=\"labels\">") + 17, dom.indexOf("</pre>"));
        assertThat(labels.split(";")).as("every outcome's percentage inside its cell").hasSize(7)
                .allMatch(label -> label.endsWith(" inside"));
    }

    /** Writes the report of a completed run with these lines, its summary and its page; returns the page. */
    private Path completedRunsPage(int exitCode, AuditLine... lines) throws Exception {
        Path report = dir.resolve("requests.audit.csv");
        HtmlSummaryTest.writeReport(report, List.of(lines));
        ReportFacts facts = ReportFacts.read(report);
        RunSummary summary = new RunSummary("/in/requests.csv", "a".repeat(64), report.toString(), facts.sha256(), 7,
                9, "COMPLETED", AT, AT.plusSeconds(61), "https://api.polar.sh", "300/min", "1.0.0", facts.rows(),
                facts.counts(), exitCode,
                new RunSummary.Provenance("production", "production", "/state/repository", 0, null));
        Path page = HtmlSummary.pathFor(report);
        HtmlSummary.write(summary, report, page);
        return page;
    }

    private static Path chromium() {
        Path chromium = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser").stream().map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(chromium != null, "Chromium is not installed: skipped (apt-get install -y chromium)");
        return chromium;
    }

    /** The DOM Chromium built from the page, its stderr kept in chromium.err. */
    private String dom(Path chromium, Path page) throws Exception {
        Process browser = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createDirectory(dir.resolve("profile")), "--dump-dom",
                page.toUri().toString()).redirectError(dir.resolve("chromium.err").toFile()).start();
        String dom = new String(browser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(browser.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return dom;
    }

}
