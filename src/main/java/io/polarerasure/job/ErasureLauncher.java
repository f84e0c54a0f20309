package io.polarerasure.job;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.Optional;
import java.util.function.LongFunction;

import io.polarerasure.input.RequestOptions;
import io.polarerasure.kernel.Durations;
import io.polarerasure.report.ReportFormat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;

/**
 * Starts a request file's run, or resumes it: a run is identified by its {@link RunIdentity} (the file's SHA-256
 * and the API base URL) and its rerun number, so re-running the same command continues from the last checkpoint
 * with the report path fixed at the first start, and {@code run --rerun} starts a new run of the same content.
 * The caller must hold the run's {@link RunLease} (and, on one machine, its {@link RunLock}): a new run's report is
 * claimed ({@link ReportClaims}) and created before the run is recorded, and only the holder may take an empty report
 * its own run's dead start left back.
 */
public final class ErasureLauncher {

    private static final Logger log = LoggerFactory.getLogger(ErasureLauncher.class);

    /**
     * How an invocation ended.
     *
     * @param alreadyComplete the run had completed (or was abandoned) before: nothing was started
     * @param rerun           the run's rerun number (0 for a file's first run)
     */
    public record Launch(JobExecution execution, boolean alreadyComplete, boolean resumed, String reportFile,
                         long rerun) {
    }

    /**
     * What an invocation runs with, recorded on its execution (not part of the run's identity).
     *
     * @param skippedRecords records of only empty fields, skipped like blank lines
     * @param reading        how the file is read ({@link RequestOptions}); fixed at the first start like the ID column
     */
    public record Details(long inputRows, long skippedRecords, String rateLimit, RequestOptions reading) {
    }

    private final JobOperator jobOperator;
    private final JobRepository jobRepository;
    private final Job job;
    private final ReportTakeover takeover;
    private final ReportClaims claims;

    /**
     * @param takeover takes a report over from a run of the same file that never got anywhere (a wrong URL)
     * @param claims   the job repository's claims of new runs on their reports
     */
    public ErasureLauncher(JobOperator jobOperator, JobRepository jobRepository, Job job, ReportTakeover takeover,
                           ReportClaims claims) {
        this.jobOperator = jobOperator;
        this.jobRepository = jobRepository;
        this.job = job;
        this.takeover = takeover;
        this.claims = claims;
    }

    /**
     * Starts, resumes or (with {@code rerun}) repeats the run of this content and destination.
     *
     * @param report    the report asked for, or null for the default
     * @param reportFor the default report of a rerun number (0: the file's first run)
     * @param rerun     start a new run of a file whose run completed or was abandoned
     * @throws RunConflictException if the invocation contradicts the recorded run, or the report is taken
     */
    public Launch launch(Path input, Path report, LongFunction<Path> reportFor, String idColumn,
                         RunIdentity identity, boolean rerun, Details details) throws Exception {
        JobInstance latest = null;
        long number = 0;
        for (JobInstance instance = instance(identity, 0); instance != null;
             instance = instance(identity, ++number)) {
            latest = instance;
        }
        if (latest == null) {
            return start(input, report != null ? report : reportFor.apply(0), idColumn, identity, 0, details);
        }
        long latestNumber = number - 1;
        JobExecution last = jobRepository.getLastJobExecution(latest);
        if (last == null) {
            // Recorded without an execution: Batch 6 records a new run's instance and its first execution in two
            // transactions (TaskExecutorJobLauncher.run), and a process stopped between them. Nothing ran, so nothing
            // was sent; Batch refuses to start such an instance ("Cannot find any job execution"), so it goes and
            // the run starts afresh. We hold the run's lease: no live process of this run is in that window.
            jobRepository.deleteJobInstance(latest);
            return start(input, report != null ? report : reportFor.apply(latestNumber), idColumn, identity,
                    latestNumber, details);
        }
        boolean finished = last.getStatus() == BatchStatus.COMPLETED || last.getStatus() == BatchStatus.ABANDONED;
        // The report path and ID column are fixed at the first start; the input may have moved since.
        JobParameters first = last.getJobParameters();
        String reportFile = first.getString(ErasureJobConfiguration.REPORT_FILE);
        if (rerun) {
            if (!finished) {
                throw new RunConflictException("--rerun starts a new run of a file whose run completed, but this"
                        + " file's " + (latestNumber == 0 ? "run" : "rerun " + latestNumber) + " against "
                        + identity.apiUrl() + " is " + last.getStatus() + " (report " + reportFile + "). Run"
                        + " without --rerun to resume it, or close it with `abandon --report " + reportFile + "`.");
            }
            return start(input, report != null ? report : reportFor.apply(number), idColumn, identity, number,
                    details);
        }
        String firstIdColumn = first.getString(ErasureJobConfiguration.ID_COLUMN);
        if (!idColumn.equals(firstIdColumn)) {
            throw new RunConflictException("This file's run was started with --id-column " + firstIdColumn
                    + "; run it again with that column so the same IDs are erased.");
        }
        String firstReading = first.getString(ErasureJobConfiguration.INPUT_READING, "");
        if (!details.reading().reading().equals(firstReading)) {
            throw new RunConflictException("This file's run was started reading it with options \"" + firstReading
                    + "\"; run it again with exactly those (now: \"" + details.reading().reading() + "\") so that the"
                    + " same rows are read.");
        }
        if (finished && ReportTakeover.closedByTakeover(last)) {
            throw new RunConflictException(takenOver(last, identity, reportFile));
        }
        if (finished) {
            return new Launch(last, true, false, reportFile, latestNumber);
        }
        if (last.getStatus().isRunning()) {
            // Left STARTED by a process that died (kill -9, power loss): we hold the run's lease, so nobody runs it.
            jobOperator.recover(last);
        } else if (last.getStatus() == BatchStatus.UNKNOWN || last.getStepExecutions().stream()
                .anyMatch(step -> step.getStatus().isRunning() || step.getStatus() == BatchStatus.UNKNOWN)) {
            // Also a FAILED execution whose step was left STARTED: its database went away while the step's end
            // was being written. Batch refuses to restart either ("already running").
            markFailed(last);
        }
        JobParameters resume = parameters(input, reportFile, idColumn, identity, latestNumber, details,
                first.getString(ReportTakeover.PARAMETER));
        return new Launch(jobOperator.start(job, resume), false, true, reportFile, latestNumber);
    }

    private Launch start(Path input, Path report, String idColumn, RunIdentity identity, long rerun,
                         Details details) throws Exception {
        Path absolute = NormalPath.of(report);
        String tookOver = null;
        if (Files.exists(absolute) && !deadClaim(absolute, identity, rerun)) {
            ReportTakeover.Decision decision = takeover.takeOver(absolute, identity, idColumn,
                    details.reading().reading());
            tookOver = decision.taken().map(ReportTakeover.TakenOver::describe).orElseThrow(() ->
                    new RunConflictException(reportTaken(input, absolute, identity, decision.keptBecause())));
        }
        claim(input, absolute, identity, rerun);
        String reportFile = absolute.toString();
        try {
            return new Launch(jobOperator.start(job, parameters(input, reportFile, idColumn, identity, rerun, details,
                    tookOver)), false, false, reportFile, rerun);
        } catch (Exception | Error e) {
            // Not started (the repository went away, say): give the claim back if the run wrote nothing into it.
            if (empty(absolute)) {
                Files.deleteIfExists(absolute);
            }
            throw e;
        } finally {
            // The run is recorded now (it owns the report), or its empty report is gone: the claim has done its job.
            release(absolute, identity, rerun);
        }
    }

    /**
     * Creates the new run's report, empty, before the run is recorded: creating a file is atomic, so of two
     * processes that start this file's run at the same moment with two job repositories (two state folders, two
     * pods on H2), which the run's lock and lease cannot see, only one gets the report; the other is refused here,
     * before anything is sent, instead of overwriting the first one's report at its first chunk. The claim is
     * recorded in the job repository first, committed, so that if this process dies before the run is recorded,
     * the same command knows the empty report for its own ({@link #deadClaim}) instead of refusing it.
     *
     * @throws RunConflictException if the report appeared since it was checked
     */
    private void claim(Path input, Path report, RunIdentity identity, long rerun) throws IOException {
        claims.record(report, identity, rerun);
        try {
            ReportFormat.createOwnerOnly(report);
        } catch (FileAlreadyExistsException e) {
            // Another process's (another job repository's): this run's claim must not stand for its report.
            release(report, identity, rerun);
            throw new RunConflictException(reportTaken(input, report, identity, Optional.empty()));
        } catch (IOException e) {
            release(report, identity, rerun);
            throw new RunStorageException("Cannot create the report " + report + ": " + e.getMessage() + ". Check"
                    + " that its folder exists and is writable, then run the same command again. Nothing was sent.", e);
        }
    }

    /**
     * Whether this existing report is the claim a start of this very run (content, destination, rerun number) left
     * when its process died before the run was recorded (kill -9, power loss): empty, owned by no recorded run, and
     * claimed by this run in the job repository. Nothing was sent then. The caller holds the run's lock and lease,
     * so no live process of this run is in that window; the report is deleted, to be claimed again. Any other empty
     * report may be the claim of a live process (another run, another job repository) and is left alone.
     */
    private boolean deadClaim(Path report, RunIdentity identity, long rerun) throws IOException {
        if (!empty(report) || new RunHistory(jobRepository).owning(report).isPresent()) {
            return false;
        }
        Optional<ReportClaims.Claim> claim = claims.of(report).filter(mine -> mine.of(identity, rerun));
        if (claim.isEmpty()) {
            return false;
        }
        log.warn("The report {} is empty, left by {}, which ended before the run was recorded: nothing was sent."
                + " Starting the run.", report, claim.get().describe());
        Files.deleteIfExists(report);
        return true;
    }

    /** Gives this run's claim of the report up; left behind it is harmless ({@link ReportClaims}). */
    private void release(Path report, RunIdentity identity, long rerun) {
        try {
            claims.release(report, identity, rerun);
        } catch (SQLException | RuntimeException e) {
            log.debug("Cannot give the claim of {} up: {}", report, e.toString());
        }
    }

    /**
     * Why the command of a run closed by a takeover sends nothing: the report is another run's now. The closing time
     * is printed in UTC: the repository keeps it in this machine's zone, which the operator may not know.
     */
    static String takenOver(JobExecution last, RunIdentity identity, String reportFile) {
        String closed = last.getEndTime() == null ? "" : " at "
                + Durations.utc(last.getEndTime().atZone(ZoneId.systemDefault()).toInstant());
        return "This file's run against " + identity.apiUrl() + " was closed" + closed + ", "
                + last.getExitStatus().getExitDescription() + "; the report " + reportFile + " is that run's now."
                + " Nothing was sent. If " + identity.apiUrl() + " is wrong, use the command with the right"
                + " URL. If it is right after all, run this command with --rerun: a new run with a report of its own.";
    }

    private static boolean empty(Path file) {
        try {
            return Files.size(file) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Why a new run cannot write this report, truthfully: the run that owns it (input, SHA-256, destination,
     * state, rows done, answers its journal still holds) and the ways on; or that no recorded run owns it.
     */
    private String reportTaken(Path input, Path report, RunIdentity identity, Optional<String> keptBecause) {
        Optional<RunHistory.Run> owner = new RunHistory(jobRepository).owning(report);
        if (owner.isEmpty()) {
            Optional<ReportClaims.Claim> claim = empty(report) ? claimOf(report) : Optional.empty();
            return "The report " + report + " already exists and belongs to no run recorded in this job repository."
                    + (!empty(report) ? " A report is never overwritten: move it away or choose another path with"
                    + " --report, then run again." : claim.map(other -> " It is empty, claimed by " + other.describe()
                    + ", which was never recorded: that process crashed as it began, or it is starting now. If no"
                    + " process runs that file now, delete the report; otherwise run this file with another --report.")
                    .orElse(" It is empty: another process (with another --state-dir or job repository) has just"
                    + " started this file's run, or a run crashed as it began. If no other process runs this file,"
                    + " delete it; otherwise run every process of this file from one state folder or one PostgreSQL"
                    + " job repository.")) + " Nothing was sent.";
        }
        RunHistory.Run run = owner.get();
        String which = "The report " + report + " belongs to the run of " + run.inputFile() + " (SHA-256 "
                + run.inputSha256() + ") against " + run.apiUrl() + (run.rerun() > 0 ? ", rerun " + run.rerun() : "")
                + ", which is " + run.state() + " with " + run.rowsDone() + " of "
                + (run.inputRows() == null ? "?" : run.inputRows()) + " rows in the report";
        String mine = input + " (SHA-256 " + identity.inputSha256() + ") against " + identity.apiUrl();
        if (run.state() == BatchStatus.COMPLETED || run.state() == BatchStatus.ABANDONED) {
            return which + ". It is that run's evidence and is never overwritten: run " + mine + " with another"
                    + " --report. Nothing was sent.";
        }
        long answers = journalAnswers(run);
        if (run.inputSha256().equals(identity.inputSha256())) {
            // The same file sent elsewhere: a run is the file and where it is sent, so this is another run.
            // Why it stays with that run (rows settled or in doubt there) names the journal's answers itself.
            return which + keptBecause.map(why -> ". This run cannot take the report over: " + why + ".")
                    .orElse((answers > 0 ? " and " + answers + " answer(s) of Polar after its checkpoint kept only in"
                            + " its journal" : "") + ".") + " That is this same file, sent to " + run.apiUrl()
                    + "; against " + identity.apiUrl() + " it is another run. If " + run.apiUrl() + " is right, run again with"
                    + " --api-url " + run.apiUrl() + " to finish it. If it was a mistake, close that run with"
                    + " `polar-erasure abandon --report " + report + "` (its report then says what was answered there"
                    + " and what was not carried out), then run this command with another --report. Nothing was sent.";
        }
        return which + (answers > 0 ? " and " + answers + " answer(s) of Polar after its checkpoint kept only in"
                + " its journal" : "") + ". It is not the run of " + mine + ". Two ways on: restore that"
                + " file (same content) and run the same command again to finish it; or close it with"
                + " `polar-erasure abandon --report " + report + "` (its report then says what was erased and what"
                + " was never sent) and run the new file with another --report. Nothing was sent.";
    }

    /** The claim of the report, for a message: empty if there is none or it cannot be read. */
    private Optional<ReportClaims.Claim> claimOf(Path report) {
        try {
            return claims.of(report);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private long journalAnswers(RunHistory.Run run) {
        try {
            return takeover.interruptedChunk(run).answered();
        } catch (IOException | SQLException | RuntimeException e) {
            return 0;
        }
    }

    private JobInstance instance(RunIdentity identity, long rerun) {
        return jobRepository.getJobInstance(ErasureJobConfiguration.JOB_NAME, identity(identity, rerun));
    }

    /** @param tookOver how this run took its report over from another ({@link ReportTakeover}), or null */
    private static JobParameters parameters(Path input, String reportFile, String idColumn, RunIdentity identity,
                                            long rerun, Details details, String tookOver) {
        JobParametersBuilder builder = new JobParametersBuilder(identity(identity, rerun))
                .addString(ErasureJobConfiguration.INPUT_FILE, NormalPath.of(input).toString(), false)
                .addString(ErasureJobConfiguration.REPORT_FILE, reportFile, false)
                .addString(ErasureJobConfiguration.ID_COLUMN, idColumn, false)
                .addLong(ErasureJobConfiguration.INPUT_ROWS, details.inputRows(), false)
                .addLong(ErasureJobConfiguration.INPUT_SKIPPED, details.skippedRecords(), false)
                .addString(ErasureJobConfiguration.RATE_LIMIT, details.rateLimit(), false)
                .addString(ErasureJobConfiguration.INPUT_READING, details.reading().reading(), false)
                .addString(ErasureJobConfiguration.INPUT_HEADER, String.valueOf(details.reading().header()), false);
        if (details.reading().sheet() != null) {
            builder.addString(ErasureJobConfiguration.INPUT_SHEET, details.reading().sheet(), false);
        }
        if (details.reading().idPattern() != null) {
            builder.addString(ErasureJobConfiguration.INPUT_ID_PATTERN, details.reading().idPattern().pattern(), false);
        }
        if (tookOver != null) {
            builder.addString(ReportTakeover.PARAMETER, tookOver, false);
        }
        return builder.toJobParameters();
    }

    /**
     * Spring Batch leaves an execution UNKNOWN (or FAILED with its step still STARTED) when its database went
     * away during a commit, and refuses to restart it, since it cannot tell whether the chunk was committed. Here that is safe
     * to redo: the report is checked against the committed checkpoint and cut back to it, and the
     * journal keeps every answer of the chunk, so nothing is written twice or sent again.
     */
    private void markFailed(JobExecution execution) {
        for (StepExecution step : execution.getStepExecutions()) {
            if (step.getStatus() == BatchStatus.UNKNOWN || step.getStatus().isRunning()) {
                step.setStatus(BatchStatus.FAILED);
                jobRepository.update(step);
            }
        }
        execution.setStatus(BatchStatus.FAILED);
        jobRepository.update(execution);
    }

    /** The identifying job parameters of a run: content, destination, rerun number. */
    static JobParameters identity(RunIdentity identity, long rerun) {
        return new JobParametersBuilder()
                .addString(ErasureJobConfiguration.INPUT_SHA256, identity.inputSha256(), true)
                .addString(ErasureJobConfiguration.API_URL, identity.apiUrl(), true)
                .addLong(ErasureJobConfiguration.RERUN, rerun, true)
                .toJobParameters();
    }
}
