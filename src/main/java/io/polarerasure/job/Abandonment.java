package io.polarerasure.job;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import javax.sql.DataSource;

import io.polarerasure.input.RequestFile;
import io.polarerasure.input.RequestOptions;
import io.polarerasure.input.RequestRow;
import io.polarerasure.input.RetryOrigin;
import io.polarerasure.input.RequestScan;
import io.polarerasure.input.ScanResult;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Closes an unfinished run (stopped, failed, or left STARTED by a dead process) for good, when its file will not
 * be resumed: its report gets a line for every row it lacks, so that no answer Polar gave the run is lost and no
 * row is left out. After the committed checkpoint, in input order:
 * <ul>
 * <li>an answer the journal holds goes in as it was (DELETED only where it recorded a 204);</li>
 * <li>a row the journal marks as sent without an answer (or, with a journal a machine crash may have cut, a row of
 *     the interrupted chunk) is FAILED, saying that the request may have erased the customer;</li>
 * <li>INVALID and DUPLICATE rows as in any run;</li>
 * <li>every other row is NOT_SENT: nothing asked of Polar for it had any effect (its DELETEs refused or
 *     answered 429 are still counted in {@code attempts}).</li>
 * </ul>
 * The execution then ends ABANDONED with the report's new checkpoint, and the journal and input snapshot go.
 * If the report the run had committed was deleted, a new one is written at its path ({@link LostReport}): the
 * committed rows come back from the ledger (FAILED, in doubt, where it has no answer), and every line says so.
 * The caller must hold the run's {@link RunLock}.
 */
public final class Abandonment {

    /** Lines handed to the report writer at once: bounded memory whatever the file's size. */
    private static final int BATCH = 1_000;
    static final String IN_DOUBT_DETAIL = "sent by the abandoned run, but its answer was never recorded: the request"
            + " may have erased the customer; look the ID up at Polar";

    /**
     * What abandoning wrote.
     *
     * @param fromJournal answers of Polar taken from the journal
     * @param inDoubt     rows sent without a recorded answer, reported FAILED
     * @param notSent     rows never sent, reported NOT_SENT
     * @param rebuilt     whether the report was deleted and written anew
     * @param fromLedger  committed rows of a rebuilt report whose answer came from the ledger
     * @param unknown     committed rows of a rebuilt report the ledger had no answer for, reported FAILED in doubt
     */
    public record Result(long fromJournal, long inDoubt, long notSent, boolean rebuilt, long fromLedger,
                         long unknown) {
    }

    private final JobRepository repository;
    /** The job repository's: the run's journal is there with PostgreSQL. */
    private final DataSource dataSource;
    private final Clock clock;
    private final Consumer<List<AuditLine>> written;

    /**
     * @param written receives every batch of lines abandon appends to the report, after they are on disk: the one
     *                place where another record of answers (such as a ledger) is fed with what abandon wrote
     */
    public Abandonment(JobRepository repository, DataSource dataSource, Clock clock,
                       Consumer<List<AuditLine>> written) {
        this.repository = repository;
        this.dataSource = dataSource;
        this.clock = clock;
        this.written = written;
    }

    /**
     * @param run      the unfinished run, as {@link RunHistory} read it while the caller held its lock
     * @param stateDir where its journal lives
     * @param input    its request file's bytes: the run's snapshot, or a file checked to hash the same
     * @param reason   why the operator abandons it, for the summary; never null
     * @throws io.polarerasure.report.ReportTamperedException if the report is not what the run committed
     * @throws IOException                                    if the journal or the report cannot be used
     */
    public Result abandon(RunHistory.Run run, Path stateDir, Path input, String reason) throws IOException {
        JobInstance instance = repository.getJobInstance(run.runId());
        JobExecution execution = repository.getLastJobExecution(instance);
        StepExecution step = repository.getLastStepExecution(instance, ErasureJobConfiguration.STEP_NAME);
        if (step == null) {
            step = repository.createStepExecution(ErasureJobConfiguration.STEP_NAME, execution);
        }
        ExecutionContext context = step.getExecutionContext();
        long checkpoint = Math.min(context.getInt(RunHistory.ROWS_DONE, 0), run.inputRows() == null
                ? Long.MAX_VALUE : run.inputRows());
        RequestOptions options = ErasureJobConfiguration.requestOptions(execution.getJobParameters());
        ScanResult scan = RequestScan.scan(input, options);
        if (!scan.sha256().equals(run.inputSha256())) {
            throw new IllegalStateException(input + " does not hold the run's input (SHA-256 " + scan.sha256()
                    + ", the run's is " + run.inputSha256() + ")");
        }
        try (RunJournal journal = ErasureJobConfiguration.journalFor(dataSource, stateDir, run.identity().key())) {
            return abandon(run, stateDir, input, reason, journal, execution, step, context, checkpoint, options,
                    scan);
        }
    }

    /** {@link #abandon(RunHistory.Run, Path, Path, String)} with the run's journal, which the caller closes. */
    private Result abandon(RunHistory.Run run, Path stateDir, Path input, String reason, RunJournal journal,
                           JobExecution execution, StepExecution step, ExecutionContext context, long checkpoint,
                           RequestOptions options, ScanResult scan) throws IOException {
        String idColumn = options.idColumn();
        // Only an execution that may have sent rows has a chunk in doubt (see ErasureProcessor.beforeStep).
        int largestChunk = context.getInt(ErasureProcessor.LARGEST_CHUNK, 0);
        RunAnswers answers = RunAnswers.read(journal, new Ledger(dataSource), run.runId(), checkpoint, largestChunk);

        long fromJournal = 0;
        long inDoubt = 0;
        long notSent = 0;
        Path reportFile = Path.of(run.reportFile());
        LostReport lost = null;
        if (LostReport.lost(reportFile, context)) {
            lost = new LostReport(answers, clock);
            LostReport.forgetCommitted(context);
        }
        ReportWriter report = new ReportWriter(reportFile, ErasureJobConfiguration.reportColumns(input, options),
                Integer.MAX_VALUE);
        report.open(context);
        try (RequestFile.Rows rows = RequestFile.open(input, options).rows()) {
            List<AuditLine> batch = new ArrayList<>(BATCH);
            for (RequestRow row = rows.next(); row != null; row = rows.next()) {
                AuditLine line = ErasureProcessor.decideWithoutCall(row, idColumn, scan.duplicates(), clock)
                        .orElse(null);
                if (row.row() <= checkpoint) {
                    if (lost != null) {
                        lost.add(row, line);
                        if (lost.queued() == BATCH) {
                            batch.addAll(lost.drain());
                            append(report, batch);
                        }
                    }
                    continue;
                }
                if (lost != null && lost.queued() > 0) {
                    batch.addAll(lost.drain());
                }
                OutcomeJournal.Entry entry = answers.afterCheckpoint(row.row());
                if (line != null) {
                    // INVALID or DUPLICATE: never sent, whatever the run did.
                } else if (entry != null && entry.line() != null) {
                    line = entry.line();
                    fromJournal++;
                } else if (entry != null && entry.sending()) {
                    line = new AuditLine(row.row(), row.externalId(), Outcome.FAILED, null, entry.attempts(),
                            AuditLine.IN_DOUBT + IN_DOUBT_DETAIL, clock.instant());
                    inDoubt++;
                } else {
                    // Withdrawn rows keep the count of their DELETEs that changed nothing (429s, refusals).
                    line = new AuditLine(row.row(), row.externalId(), Outcome.NOT_SENT, null,
                            entry != null ? entry.attempts() : 0,
                            "not carried out: the run was abandoned before a request for this row got an answer"
                                    + " that settled it, and none had any effect (never sent, or refused as a whole,"
                                    + " e.g. a wrong URL) (" + reason + ")",
                            clock.instant());
                    notSent++;
                }
                if (lost != null) {
                    line = LostReport.withNote(line, "this row came after the run's last checkpoint, so the lost"
                            + " report never held it: written as any abandon writes it, from the run's journal");
                }
                batch.add(line.withOrigin(RetryOrigin.reportCells(row)));
                if (batch.size() >= BATCH) {
                    append(report, batch);
                }
            }
            if (lost != null) {
                batch.addAll(lost.drain());
            }
            append(report, batch);
            report.update(context);
        } finally {
            report.close();
        }

        context.putInt(RunHistory.ROWS_DONE, (int) scan.rows());
        close(repository, execution, step, new ExitStatus("ABANDONED", reason), clock);
        // The report is now the record of every row; the journal and the copy of the input hold external IDs.
        journal.delete();
        InputSnapshot.delete(InputSnapshot.fileFor(stateDir, run.identity().key()));
        return new Result(fromJournal, inDoubt, notSent, lost != null, lost == null ? 0 : lost.fromLedger(),
                lost == null ? 0 : lost.unknown());
    }

    /**
     * Ends a run for good: its step (if it has one, with its execution context) and its execution ABANDONED with
     * this exit status, so that no command resumes it.
     */
    static void close(JobRepository repository, JobExecution execution, StepExecution step, ExitStatus exit,
                      Clock clock) {
        LocalDateTime now = LocalDateTime.ofInstant(clock.instant(), ZoneId.systemDefault());
        if (step != null) {
            step.setStatus(BatchStatus.ABANDONED);
            step.setExitStatus(exit);
            step.setEndTime(now);
            repository.updateExecutionContext(step);
            repository.update(step);
        }
        // Last: an ABANDONED execution is what tells every command that the run is closed.
        execution.setStatus(BatchStatus.ABANDONED);
        execution.setExitStatus(exit);
        execution.setEndTime(now);
        repository.update(execution);
    }

    private void append(ReportWriter report, List<AuditLine> batch) throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        report.write(new Chunk<>(batch));
        written.accept(List.copyOf(batch));
        batch.clear();
    }
}
