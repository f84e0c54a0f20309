package io.polarerasure.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.polarerasure.report.HtmlSummary;
import io.polarerasure.report.Outcome;
import io.polarerasure.report.ReportCounts;
import io.polarerasure.report.ReportFacts;
import io.polarerasure.report.RunSummary;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;

/**
 * Lets the corrected command take a report over from the run that holds it, when that run never got anywhere. A
 * run is its file and its API URL ({@link RunIdentity}), so after a wrong {@code --api-url} (typically stopped with
 * exit 4 by the misconfiguration breaker) the same command with the right URL is another run, and the report's
 * path belongs to the first one. The report is taken over only when that is safe:
 * <ul>
 * <li>the holder is a run of the same content read the same way (ID column and reading options), so the new run
 *     carries out exactly the rows the holder was asked to;</li>
 * <li>it is unfinished and no process runs it (its {@link RunLock} and {@link RunLease} are free);</li>
 * <li>nothing of it can have changed anything at Polar or settled a row: its report holds only rows decided
 *     without a call (INVALID, DUPLICATE) and is the one it committed, the {@link Ledger} holds no answer of it,
 *     and its journal holds no answer and no request in doubt (only requests that provably changed nothing).</li>
 * </ul>
 * The holder is then closed for good (ABANDONED, exit code {@link #TAKEN_OVER}): it never resumes against its URL.
 * Its report, summary, journal and input copy go: they hold nothing Polar answered, and the new run writes the
 * report again from row 1 (the same INVALID and DUPLICATE lines included). Not thread-safe; the caller holds the
 * new run's lock and lease.
 */
public final class ReportTakeover {

    /** The exit code of a run closed because another run took its report over. */
    public static final String TAKEN_OVER = "TAKEN_OVER";

    /** Non-identifying job parameter of the run that took a report over: {@link TakenOver#describe()}. */
    public static final String PARAMETER = "report.taken.over";

    private static final Logger log = LoggerFactory.getLogger(ReportTakeover.class);

    /**
     * A report taken over.
     *
     * @param runId  the run that held it, now closed
     * @param apiUrl where that run sent
     */
    public record TakenOver(long runId, String apiUrl) {

        /** For the log, the command's output and the run summary. */
        public String describe() {
            return "took over from run " + runId + " (this file against " + apiUrl + "), which was stopped before"
                    + " any of its requests changed anything at Polar or settled a row (wrong --api-url?); run "
                    + runId + " is closed (ABANDONED) and never resumes against " + apiUrl;
        }
    }

    /**
     * What became of a report offered for takeover.
     *
     * @param taken       the run it was taken from, closed now; empty if the report stays with its holder
     * @param keptBecause why a run of the same rows keeps it (rows settled or in doubt, another process runs it), in
     *                    the operator's words; empty if taken, or if no such run holds it
     */
    public record Decision(Optional<TakenOver> taken, Optional<String> keptBecause) {

        static Decision kept(String because) {
            return new Decision(Optional.empty(), Optional.ofNullable(because));
        }
    }

    private final JobRepository repository;
    private final DataSource dataSource;
    private final Path stateDir;
    private final Clock clock;

    /**
     * @param dataSource the job repository's (the ledger, leases and, with PostgreSQL, journals are there)
     * @param stateDir   where runs keep their locks, journals and input copies
     */
    public ReportTakeover(JobRepository repository, DataSource dataSource, Path stateDir, Clock clock) {
        this.repository = repository;
        this.dataSource = dataSource;
        this.stateDir = stateDir;
        this.clock = clock;
    }

    /**
     * Takes this existing report over for a new run if that is safe (see the class comment); otherwise changes
     * nothing.
     *
     * @param report    the report's absolute path
     * @param identity  the new run's content and destination
     * @param idColumn  the new run's ID column
     * @param reading   the new run's reading options ({@link io.polarerasure.input.RequestOptions#reading()})
     * @return the run the report was taken from, or why it stays with its holder
     * @throws IOException if the closed run's files cannot be deleted
     */
    @SuppressWarnings("try") // the holder's run lock is held by being open, never read
    public Decision takeOver(Path report, RunIdentity identity, String idColumn, String reading)
            throws IOException {
        RunHistory history = new RunHistory(repository);
        Optional<RunHistory.Run> holder = history.owning(report).filter(run -> sameRows(run, identity, idColumn,
                reading));
        if (holder.isEmpty()) {
            return Decision.kept(null);
        }
        String key = holder.get().identity().key();
        try (RunLock lock = RunLock.acquire(stateDir, key);
             RunLease lease = new RunLease(key, RunLease.DEFAULT_TTL)) {
            lease.acquire(dataSource);
            // Read again under its lock: it may have moved on before the lock was taken.
            RunHistory.Run run = history.owning(report).orElseThrow();
            if (run.runId() != holder.get().runId() || !sameRows(run, identity, idColumn, reading)) {
                return Decision.kept(null);
            }
            // A takeover cut short after closing the run (a crash) is finished; otherwise the run must be harmless.
            if (!closedByTakeover(run)) {
                Optional<String> harm = harm(run, report);
                if (harm.isPresent()) {
                    return Decision.kept(harm.get());
                }
                JobInstance instance = repository.getJobInstance(run.runId());
                Abandonment.close(repository, repository.getLastJobExecution(instance),
                        repository.getLastStepExecution(instance, ErasureJobConfiguration.STEP_NAME),
                        new ExitStatus(TAKEN_OVER, "taken over by the run of this file against " + identity.apiUrl()
                                + ": nothing this run sent changed anything at Polar"), clock);
            }
            try (RunJournal journal = ErasureJobConfiguration.journalFor(dataSource, stateDir, key)) {
                journal.delete();
            }
            InputSnapshot.delete(InputSnapshot.fileFor(stateDir, key));
            Files.deleteIfExists(RunSummary.pathFor(report));
            Files.deleteIfExists(HtmlSummary.pathFor(report));
            Files.deleteIfExists(report);
            TakenOver taken = new TakenOver(run.runId(), run.apiUrl());
            log.warn("This run {} (report {}).", taken.describe(), report);
            return new Decision(Optional.of(taken), Optional.empty());
        } catch (RunLock.RunLockedException | RunLeasedException e) {
            return Decision.kept("another process runs it now");
        }
    }

    /** Whether this run was closed because another run took its report over. */
    static boolean closedByTakeover(JobExecution last) {
        return TAKEN_OVER.equals(last.getExitStatus().getExitCode());
    }

    private boolean closedByTakeover(RunHistory.Run run) {
        return closedByTakeover(repository.getJobExecution(run.executionId()));
    }

    /** Another run (not a rerun of this one) of the same content, reading the same rows, not finished otherwise. */
    private boolean sameRows(RunHistory.Run run, RunIdentity identity, String idColumn, String reading) {
        if (!run.inputSha256().equals(identity.inputSha256()) || run.identity().key().equals(identity.key())) {
            return false;
        }
        JobExecution last = repository.getJobExecution(run.executionId());
        JobParameters parameters = last.getJobParameters();
        return (!run.ended() || closedByTakeover(last))
                && idColumn.equals(parameters.getString(ErasureJobConfiguration.ID_COLUMN))
                && reading.equals(parameters.getString(ErasureJobConfiguration.INPUT_READING, ""));
    }

    /**
     * Why the run may have changed something at Polar or settled a row, in the operator's words (rows named); empty
     * when nothing answered and nothing is in doubt (see the class comment). Anything that cannot be read counts as
     * harm.
     */
    private Optional<String> harm(RunHistory.Run run, Path report) {
        try {
            if (run.committedReportSha256() != null && !ReportFacts.read(report, run.committedReportBytes())
                    .sha256().equals(run.committedReportSha256())) {
                return Optional.of("the report is not the one that run committed (changed since), so it is not"
                        + " this tool's to delete"); // not ours to delete
            }
            ReportCounts counts = ReportFacts.read(report).counts();
            long decidedWithoutCall = counts.get(Outcome.INVALID) + counts.get(Outcome.DUPLICATE);
            if (counts.total() != decidedWithoutCall || counts.inDoubt() > 0) {
                return Optional.of("its report already holds " + (counts.total() - decidedWithoutCall) + " row(s)"
                        + " settled by " + run.apiUrl() + (counts.inDoubt() > 0 ? ", " + counts.inDoubt() + " of"
                        + " them in doubt" : "") + " (" + counts + ")");
            }
            StepExecution step = repository.getLastStepExecution(repository.getJobInstance(run.runId()),
                    ErasureJobConfiguration.STEP_NAME);
            int largestChunk = step == null ? 0 : step.getExecutionContext().getInt(ErasureProcessor.LARGEST_CHUNK, 0);
            try (RunJournal journal = ErasureJobConfiguration.journalFor(dataSource, stateDir, run.identity().key())) {
                // A journal a machine crash may have cut puts the interrupted chunk's rows in doubt: refused.
                return RunAnswers.read(journal, new Ledger(dataSource), run.runId(), run.rowsDone(), largestChunk)
                        .harm(run.apiUrl());
            }
        } catch (IOException | RuntimeException e) {
            log.debug("Cannot tell whether run {} reached Polar: {}", run.runId(), e.toString());
            return Optional.of("cannot tell whether it reached " + run.apiUrl() + " (" + e.getMessage() + ")");
        }
    }

    /**
     * What the journal of an unfinished run holds after its checkpoint, read where the run keeps it (the job
     * repository with PostgreSQL, else the state folder).
     *
     * @throws IOException  if the journal file cannot be read
     * @throws SQLException if the repository's journal cannot be read
     */
    InterruptedChunk interruptedChunk(RunHistory.Run run) throws IOException, SQLException {
        return InterruptedChunk.read(run, ErasureJobConfiguration.journalRepository(dataSource), stateDir);
    }
}
