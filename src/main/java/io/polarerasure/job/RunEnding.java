package io.polarerasure.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

import io.polarerasure.kernel.Durations;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;
import io.polarerasure.polar.PolarRefusedException;
import io.polarerasure.polar.PolarUnavailableException;
import io.polarerasure.report.Outcome;
import io.polarerasure.report.ReportCounts;
import io.polarerasure.report.ReportTamperedException;
import io.polarerasure.secrets.Redaction;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;

/**
 * How one invocation of a run ended, read once from its {@link JobExecution}: the exit code (README's table) and
 * the words the command line prints. Built only by {@link #of}; the command line prints {@link #words()} and exits
 * with {@link #exitCode()}, without looking at the execution or its exceptions itself.
 */
public sealed interface RunEnding {

    /** The process exit code, one of {@link ExitCodes}. */
    int exitCode();

    /** What to print on standard output, whole lines each ending with a line separator; may be empty. */
    String words();

    /** Whether the run ran out of heap: the command line adds its out-of-memory advice on standard error. */
    default boolean outOfMemory() {
        return false;
    }

    /**
     * The ending of {@code launch}.
     *
     * @param requested the {@code --report} the operator gave (null for none), to note when the run keeps another
     * @param took      how long this invocation ran
     * @throws IOException if a completed run's report cannot be read for its counts
     */
    static RunEnding of(ErasureLauncher.Launch launch, Path requested, Duration took) throws IOException {
        JobExecution execution = launch.execution();
        Path reportFile = Path.of(launch.reportFile());
        if (launch.alreadyComplete()) {
            return AlreadyFinished.of(execution, reportFile);
        }
        StringBuilder notes = new StringBuilder();
        String tookOver = execution.getJobParameters().getString(ReportTakeover.PARAMETER);
        if (tookOver != null && !launch.resumed()) {
            notes.append("This run ").append(tookOver).append('.').append(System.lineSeparator());
        }
        if (requested != null && !NormalPath.of(requested).equals(reportFile)) {
            notes.append(String.format("Note: this run was started with the report %s; --report %s was ignored.%n",
                    reportFile, requested));
        }
        if (execution.getAllFailureExceptions().stream().anyMatch(RunEnding::outOfMemory)) {
            return new OutOfMemory(notes.toString());
        }
        BatchStatus status = execution.getStatus();
        if (status == BatchStatus.COMPLETED) {
            return new Completed(notes.toString(), ReportCounts.read(reportFile), reportFile, launch.rerun(),
                    launch.resumed(), took);
        }
        if (status == BatchStatus.STOPPED) {
            return new Stopped(notes.toString(), reportFile, took);
        }
        List<Throwable> failures = execution.getAllFailureExceptions();
        Optional<OperatorFault> refused = first(failures, PolarRefusedException.class);
        if (refused.isPresent()) {
            return new Refused(notes.toString(), refused.get().getMessage(), reportFile);
        }
        Optional<OperatorFault> tampered = first(failures, ReportTamperedException.class);
        if (tampered.isPresent()) {
            return new Tampered(notes.toString(), tampered.get().getMessage());
        }
        Optional<OperatorFault> unavailable = first(failures, PolarUnavailableException.class);
        return new Failed(notes.toString(), unavailable.map(OperatorFault::getMessage).orElseGet(() -> failures.stream()
                .map(RunEnding::explain).findFirst().orElse("unknown cause")), reportFile);
    }

    /** The exit code of a completed run with these counts: FAILED or REVIEW rows still need someone. */
    static int completedExitCode(ReportCounts counts) {
        return counts.get(Outcome.FAILED) > 0 || counts.get(Outcome.REVIEW) > 0 ? ExitCodes.ROWS_FAILED
                : ExitCodes.OK;
    }

    /**
     * The most useful words about a failure: the repository's connection where that was lost, else the first
     * operator fault's own message (it says what to do, e.g. free disk space), else the root cause.
     */
    static String explain(Throwable error) {
        Optional<String> lost = RepositoryLoss.of(error);
        if (lost.isPresent()) {
            return lost.get();
        }
        Optional<OperatorFault> ours = OperatorFault.in(error);
        if (ours.isPresent()) {
            return Redaction.redact(ours.get().getMessage());
        }
        Throwable root = error;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return Redaction.redact(root.getClass().getSimpleName() + ": " + root.getMessage());
    }

    private static Optional<OperatorFault> first(List<Throwable> failures, Class<? extends OperatorFault> type) {
        for (Throwable failure : failures) {
            for (Throwable t = failure; t != null; t = t.getCause()) {
                if (type.isInstance(t)) {
                    return Optional.of(type.cast(t));
                }
            }
        }
        return Optional.empty();
    }

    private static boolean outOfMemory(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }

    /**
     * The file's run had completed (or was abandoned) before: nothing was sent. Exit code as when it completed.
     *
     * @param counts the report's counts, from the report or kept at completion; empty if neither is there
     */
    record AlreadyFinished(String apiUrl, boolean abandoned, java.time.Instant ended, Optional<ReportCounts> counts,
                           boolean reportThere, Path reportFile) implements RunEnding {

        static AlreadyFinished of(JobExecution execution, Path reportFile) throws IOException {
            boolean there = Files.exists(reportFile);
            // The counts kept at completion answer also after the report was filed away (nightly moves it).
            Optional<ReportCounts> counts = there ? Optional.of(ReportCounts.read(reportFile))
                    : RunHistory.completedCounts(execution);
            return new AlreadyFinished(execution.getJobParameters().getString(ErasureJobConfiguration.API_URL),
                    execution.getStatus() == BatchStatus.ABANDONED,
                    execution.getEndTime().atZone(ZoneId.systemDefault()).toInstant(), counts, there, reportFile);
        }

        @Override
        public int exitCode() {
            return abandoned ? ExitCodes.OK : counts.map(RunEnding::completedExitCode).orElse(ExitCodes.OK);
        }

        @Override
        public String words() {
            // Finished reports are often filed away (the nightly script moves them): say where it was.
            return String.format("This file's run against %s %s at %s; nothing was sent again.%n  %s%n  report: %s%n"
                            + "  To erase its IDs again on purpose, run the same command with --rerun: a new run"
                            + " with a report of its own.%n",
                    apiUrl, abandoned ? "was abandoned" : "already completed", ended,
                    (reportThere ? "" : "the report is no longer there (moved or archived since)"
                            + (counts.isPresent() ? "; it held: " : "")) + counts.map(String::valueOf).orElse(""),
                    reportFile);
        }
    }

    /** Every row has its outcome in the report; exit 1 if some FAILED or need REVIEW, else 0. */
    record Completed(String notes, ReportCounts counts, Path reportFile, long rerun, boolean resumed, Duration took)
            implements RunEnding {

        @Override
        public int exitCode() {
            return completedExitCode(counts);
        }

        @Override
        public String words() {
            return notes + String.format("Run %s in %s.%n  %s%n  report: %s%n", (rerun > 0 ? "(rerun " + rerun + ") "
                    : "") + (resumed ? "resumed and completed" : "completed"), Durations.human(took), counts,
                    reportFile);
        }
    }

    /** Stopped on request (SIGTERM): resumable, exit 3. */
    record Stopped(String notes, Path reportFile, Duration took) implements RunEnding {

        @Override
        public int exitCode() {
            return ExitCodes.RESUMABLE;
        }

        @Override
        public String words() {
            return notes + String.format("Run stopped after %s; the report holds every row up to the last checkpoint"
                    + " (%s); answers after it are kept in the run's journal and reach the report, without being sent"
                    + " again, when the run resumes.%n"
                    + "  Re-run the same command to resume.%n", Durations.human(took), reportFile);
        }
    }

    /** Polar refused the token or the endpoint is wrong: exit 4, fix it and resume. */
    record Refused(String notes, String reason, Path reportFile) implements RunEnding {

        @Override
        public int exitCode() {
            return ExitCodes.REFUSED;
        }

        @Override
        public String words() {
            return notes + String.format("Run stopped: %s%n  Rows not yet sent are not in the report. Fix this, then"
                    + " re-run the same command to resume (a fixed token resumes this run; with a corrected --api-url"
                    + " or --sandbox the file is another run, which takes this report over if no row of this run was"
                    + " settled or is in doubt, and otherwise says how to close this one).%n  report so far: %s%n",
                    reason, reportFile);
        }
    }

    /** The report was changed under the run: exit 2, nothing more is sent until it is put back. */
    record Tampered(String notes, String reason) implements RunEnding {

        @Override
        public int exitCode() {
            return ExitCodes.USAGE;
        }

        @Override
        public String words() {
            return notes + String.format("polar-erasure: Cannot resume: %s%n", reason);
        }
    }

    /** Failed part-way for another reason (Polar unavailable, disk full, repository lost): resumable, exit 3. */
    record Failed(String notes, String reason, Path reportFile) implements RunEnding {

        @Override
        public int exitCode() {
            return ExitCodes.RESUMABLE;
        }

        @Override
        public String words() {
            return notes + String.format("Run failed part-way: %s%n  Re-run the same command to resume; rows already in"
                    + " the report are not sent again.%n  report so far: %s%n", reason, reportFile);
        }
    }

    /** Out of heap: exit 2 with the advice the command line prints on standard error. */
    record OutOfMemory(String notes) implements RunEnding {

        @Override
        public int exitCode() {
            return ExitCodes.USAGE;
        }

        @Override
        public String words() {
            return notes;
        }

        @Override
        public boolean outOfMemory() {
            return true;
        }
    }
}
