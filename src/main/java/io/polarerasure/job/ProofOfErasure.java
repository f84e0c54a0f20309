package io.polarerasure.job;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;

import javax.sql.DataSource;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.report.HtmlSummary;
import io.polarerasure.report.Outcome;
import io.polarerasure.report.PendingRows;
import io.polarerasure.report.ReportCounts;
import io.polarerasure.report.ReportFacts;
import io.polarerasure.report.RetryFile;
import io.polarerasure.report.RunSummary;

/**
 * Writes {@code <report>.summary.json} at the end of every invocation that ran the job, also a stopped or
 * failed one (its summary says so, describes the report as it stands, and is replaced when the run goes on):
 * the operator then always finds the latest state next to the report. A completed run's summary carries the
 * SHA-256 the job itself committed, so a report changed before the summary was written is never vouched for.
 */
public final class ProofOfErasure {

    private ProofOfErasure() {
    }

    /**
     * What the summary says about where the run belongs, besides the run's own record.
     *
     * @param toolVersion     this tool's version, as {@code --version} prints it
     * @param jobRepository   the job repository's path or JDBC URL without credentials
     * @param abandonedReason why the run was abandoned, null unless it was
     * @param journal         reads an unfinished run's journal, for where its rows stand beyond the report; null
     *                        when the run has ended (abandon)
     */
    public record Provenance(String toolVersion, String jobRepository, String abandonedReason, Journal journal) {

        /**
         * The provenance of a run of a job repository, whose journal it reads where the run keeps it.
         *
         * @param database the repository's data source when it is an external database (PostgreSQL), which then
         *                 keeps the journals; null for the embedded one, whose journals are files in {@code stateDir}
         */
        public static Provenance of(String toolVersion, String jobRepository, DataSource database, Path stateDir) {
            return new Provenance(toolVersion, jobRepository, null,
                    run -> InterruptedChunk.read(run, database, stateDir));
        }
    }

    /** What an unfinished run's journal holds after its last checkpoint. */
    public interface Journal {

        /**
         * @throws IOException  if a journal file cannot be read
         * @throws SQLException if the database journal cannot be read
         */
        InterruptedChunk read(RunHistory.Run run) throws IOException, SQLException;
    }

    /**
     * Writes the run's {@code summary.json} and summary page next to its report and names them on {@code out};
     * writes nothing when the run refused to go on (exit 2), when the report is missing, or when it is not the one
     * a completed run committed (says so on {@code out}).
     *
     * @param exitCode        this invocation's exit code ({@link ExitCodes})
     * @param alreadyComplete the run had completed before this invocation: its summary is written only if
     *                        missing, since it describes that completion, not this invocation
     */
    public static void record(RunHistory.Run run, boolean alreadyComplete, int exitCode, Clock clock, PrintWriter out,
                       Provenance provenance) throws IOException {
        Path report = Path.of(run.reportFile());
        Path file = RunSummary.pathFor(report);
        // USAGE: the run refused to go on (a changed report): keep the summary of what it had done.
        if (exitCode == ExitCodes.USAGE || !Files.exists(report) || alreadyComplete && describesCompletion(file)) {
            return;
        }
        ReportFacts facts = ReportFacts.read(report);
        boolean complete = run.ended();
        if (complete && !facts.sha256().equals(run.committedReportSha256())) {
            out.printf("Not writing the run summary: %s is not the report the run committed (SHA-256 %s on disk, %s"
                    + " committed). Restore the original from a backup, then run the same command again to write"
                    + " its summary.%n", report, facts.sha256(), run.committedReportSha256());
            return;
        }
        int code = alreadyComplete ? RunEnding.completedExitCode(facts.counts()) : exitCode;
        RunSummary summary = new RunSummary(run.inputFile(), run.inputSha256(), report.toString(), facts.sha256(),
                run.runId(), run.executionId(), run.state().name(), run.started(),
                run.finished() != null ? run.finished() : clock.instant(), run.apiUrl(), run.rateLimit(),
                provenance.toolVersion(), run.inputRows() != null ? run.inputRows() : facts.rows(), facts.counts(), code,
                new RunSummary.Provenance(run.identity().environment(), run.answeredBy(),
                        provenance.jobRepository(), run.rerun(), provenance.abandonedReason(),
                        run.tookOver(), RetryFile.originalReports(report), null),
                run.skippedRecords());
        Path page = HtmlSummary.pathFor(report);
        PendingRows pending = summary.finalReport() ? PendingRows.NONE : pending(run, facts, provenance);
        if (!summary.finalReport()) {
            summary = summary.withPending(pending);
        }
        try {
            summary.write(file);
            HtmlSummary.write(summary, report, page, pending);
        } catch (IOException e) {
            throw new IOException("Cannot write the run summary " + file + " or " + page + " (" + e + "). Free disk"
                    + " space or fix the folder's permissions, then run the same command again: it writes the missing"
                    + " summary.", e);
        }
        out.printf("  summary: %s%n  summary page: %s%n", file, page);
    }

    /**
     * Where an unfinished run's rows stand beyond its report (which holds only the rows up to the last checkpoint);
     * null when the journal cannot be read: the page then says less, and {@code status} tells the same.
     */
    private static PendingRows pending(RunHistory.Run run, ReportFacts facts, Provenance provenance) {
        if (provenance.journal() == null) {
            return null;
        }
        try {
            InterruptedChunk chunk = provenance.journal().read(run);
            return PendingRows.of(run.inputRows() != null ? run.inputRows() : facts.rows(), facts.rows(),
                    chunk.answered(), chunk.unanswered());
        } catch (IOException | SQLException | RuntimeException e) {
            return null;
        }
    }

    /** An unreadable summary counts as one: it is evidence to look at, not to overwrite. */
    private static boolean describesCompletion(Path summary) {
        if (!Files.exists(summary)) {
            return false;
        }
        try {
            return RunSummary.read(summary).finalReport();
        } catch (IOException e) {
            return true;
        }
    }
}
