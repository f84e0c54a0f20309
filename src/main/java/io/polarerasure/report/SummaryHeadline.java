package io.polarerasure.report;

import java.nio.file.Path;

/**
 * The top of the summary page: the outcome as its headline, the run's state, and the next step in plain words. A
 * run that has not ended says that it stopped, where its rows stand beyond the report (answers kept only in its
 * journal, requests without an answer, rows not yet sent) and that the same command resumes it.
 */
final class SummaryHeadline {

    private SummaryHeadline() {
    }

    /**
     * Appends the headline and the paragraphs under it.
     *
     * @param pending where the rows stand beyond the report of a run that has not ended; null when not known (the
     *                page then points at {@code status})
     */
    static void append(StringBuilder html, RunSummary summary, PendingRows pending) {
        ReportCounts counts = summary.counts();
        long failed = counts.get(Outcome.FAILED);
        long review = counts.get(Outcome.REVIEW);
        long notSent = counts.get(Outcome.NOT_SENT);
        String headline;
        String next;
        boolean attention = true;
        if (!summary.finalReport()) {
            boolean stopped = summary.state().equals("STOPPED");
            headline = (stopped ? "Stopped" : "Ended part-way") + ", not finished: " + counts.total() + " of "
                    + summary.inputRows() + " rows in the report so far";
            next = (stopped ? "Run the same command again to resume (the nightly job does that by itself)."
                    : "The command's output and log say why the run ended and what to fix; then run the same"
                    + " command again to resume. After a corrected --api-url or --sandbox it is another run of the"
                    + " file, which takes this report over only if no row of this run is settled or in doubt, and"
                    + " otherwise says how to close this one.") + " No answered row is sent again. This page is"
                    + " replaced when the run goes on.";
        } else if (failed + review + notSent > 0) {
            StringBuilder what = new StringBuilder();
            count(what, failed, "failed");
            count(what, review, "to review");
            count(what, notSent, "never sent (the run was abandoned)");
            headline = "Needs attention: " + what + ", see below";
            next = (failed > 0 ? "FAILED rows can be sent again with polar-erasure retry-failed (nightly.sh does this"
                    + " once by itself). " : "") + (review > 0 ? "Check each REVIEW row with the merchant. " : "")
                    + (notSent > 0 ? "NOT_SENT rows were never sent: run them again if they are still to be erased."
                    : "");
        } else {
            attention = false;
            headline = "All " + counts.total() + " requests settled: " + counts.get(Outcome.DELETED) + " erased, "
                    + counts.get(Outcome.NOT_FOUND) + " had no customer, "
                    + (counts.get(Outcome.INVALID) + counts.get(Outcome.DUPLICATE)) + " not sent (invalid or"
                    + " duplicate)";
            next = "Nothing to do but keep the report, this page and the summary JSON as the record of this run.";
        }
        html.append("<h1 class=\"").append(attention ? "attention" : "settled").append("\">")
                .append(HtmlSummary.escape(headline)).append("</h1>\n<p>Run ").append(summary.runId()).append(" of ")
                .append(HtmlSummary.escape(Path.of(summary.inputFile()).getFileName().toString()))
                .append(": run state <b>").append(HtmlSummary.escape(summary.state())).append("</b>")
                .append(summary.complete() ? " (every row was processed)" : summary.finalReport()
                        ? " (closed without sending every row: rows never sent say NOT_SENT)"
                        : " (not complete: this report is not final)").append(".</p>\n");
        if (!summary.finalReport()) {
            beyondTheReport(html, counts.total(), pending);
        }
        html.append("<p><b>Next step:</b> ").append(HtmlSummary.escape(next)).append("</p>\n");
    }

    /** Where a run that has not ended stands: the report holds only the rows up to its last checkpoint. */
    private static void beyondTheReport(StringBuilder html, long inReport, PendingRows pending) {
        html.append("<ul class=\"pending\">\n");
        item(html, "The report holds the " + rows(inReport) + " up to the run's last checkpoint, and only those.");
        if (pending == null) {
            item(html, "Rows after the checkpoint may be answered and kept in the run's journal: polar-erasure status"
                    + " shows how many.");
        } else {
            if (pending.answeredInJournal() > 0) {
                item(html, rows(pending.answeredInJournal()) + " answered by Polar but only in the run's journal: "
                        + (pending.answeredInJournal() == 1 ? "it reaches" : "they reach") + " the report, without"
                        + " being sent again, when the run resumes.");
            }
            if (pending.sentWithoutAnswer() > 0) {
                item(html, rows(pending.sentWithoutAnswer()) + " sent without a recorded answer (in doubt): on resume"
                        + " each is looked up at Polar before anything is sent again.");
            }
            item(html, pending.notYetSent() == 0 ? "No row is left unsent."
                    : rows(pending.notYetSent()) + " not yet sent.");
        }
        html.append("</ul>\n");
    }

    private static void item(StringBuilder html, String text) {
        html.append("<li>").append(HtmlSummary.escape(text)).append("</li>\n");
    }

    private static String rows(long count) {
        return count + (count == 1 ? " row" : " rows");
    }

    private static void count(StringBuilder what, long count, String words) {
        if (count > 0) {
            what.append(what.length() == 0 ? "" : ", ").append(rows(count)).append(' ').append(words);
        }
    }
}
