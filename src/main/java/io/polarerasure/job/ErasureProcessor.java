package io.polarerasure.job;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import io.polarerasure.input.DuplicateIndex;
import io.polarerasure.input.IdRules;
import io.polarerasure.input.RequestRow;
import io.polarerasure.input.RetryOrigin;
import io.polarerasure.polar.Eraser;
import io.polarerasure.polar.Erasure;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.listener.ItemWriteListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Decides one row: INVALID and DUPLICATE without a call, otherwise one erasure through Polar,
 * journaled so that a restart never sends a row again whose answer was already received. What earlier executions
 * say about a row is {@link EarlierSends}'s to tell; sending its ID trimmed and as written is {@link BothForms}'.
 * Thread-safe: the rows of a chunk are decided concurrently, on the workers of {@link ChunkWorkers}.
 */
final class ErasureProcessor implements ItemProcessor<RequestRow, AuditLine>, StepExecutionListener,
        ItemWriteListener<AuditLine> {

    private static final Logger LOG = LoggerFactory.getLogger(ErasureProcessor.class);

    static final String NOT_FOUND_DETAIL = "Polar has no live customer with this external ID";

    /**
     * The largest chunk any execution of the run used, saved before anything is sent: how far past the
     * checkpoint an interrupted execution may have sent rows.
     */
    static final String LARGEST_CHUNK = "erasure.largest.chunk";

    /**
     * Epoch ms before which no row after the checkpoint was sent: the start of the earliest execution since the
     * last chunk commit, moved to each commit. The lower bound of the send time of rows in doubt whose journal
     * was lost.
     */
    static final String UNCOMMITTED_SINCE = "erasure.uncommitted.since";

    private final String idColumn;
    private final DuplicateIndex duplicates;
    private final RunJournal journal;
    private final RunLease lease;
    private final Eraser eraser;
    private final Clock clock;
    private final int chunkSize;
    private final JobRepository jobRepository;
    private final Runnable repositoryToDisk;
    private final Ledger ledger;
    private final Progress progress;
    /** Sends a row's ID trimmed, then as written where the file holds it with whitespace. */
    private final BothForms forms;
    /** What earlier executions of this run journaled for rows not yet in the report; read-only during a step. */
    private volatile Map<Long, OutcomeJournal.Entry> recorded = Map.of();
    /** No row after the checkpoint was sent before this: see {@link #UNCOMMITTED_SINCE}. */
    private volatile Instant uncommittedSince = Instant.EPOCH;
    private StepExecution stepExecution;

    ErasureProcessor(String idColumn, DuplicateIndex duplicates, RunJournal journal, RunLease lease, Eraser eraser,
                     Clock clock, int chunkSize, JobRepository jobRepository, Runnable repositoryToDisk,
                     Ledger ledger, Progress progress) {
        this.idColumn = idColumn;
        this.duplicates = duplicates;
        this.journal = journal;
        this.lease = lease;
        this.eraser = eraser;
        this.clock = clock;
        this.chunkSize = chunkSize;
        this.jobRepository = jobRepository;
        this.repositoryToDisk = repositoryToDisk;
        this.ledger = ledger;
        this.progress = progress;
        this.forms = new BothForms(eraser, journal);
    }

    /**
     * Opens the journal with what earlier executions recorded, and saves the step's inherited checkpoint
     * at once. Spring Batch 6 copies the previous execution's context (reader position, committed report
     * bytes) into a restarted step but saves it only at the first commit, so a restart that died before
     * committing left an empty context, and the next restart began again at row 1.
     */
    @Override
    public void beforeStep(StepExecution stepExecution) {
        ExecutionContext context = stepExecution.getExecutionContext();
        boolean resuming = context.containsKey(LARGEST_CHUNK);
        long checkpoint = context.getInt(RunHistory.ROWS_DONE, 0);
        int largestChunk = Math.max(chunkSize, context.getInt(LARGEST_CHUNK, 0));
        recorded = Map.copyOf(journal.open(resuming, checkpoint + 1, checkpoint + largestChunk));
        context.putInt(LARGEST_CHUNK, largestChunk);
        if (!context.containsKey(UNCOMMITTED_SINCE)) {
            context.putLong(UNCOMMITTED_SINCE, clock.millis());
        }
        uncommittedSince = Instant.ofEpochMilli(context.getLong(UNCOMMITTED_SINCE));
        this.stepExecution = stepExecution;
        jobRepository.updateExecutionContext(stepExecution);
    }

    /**
     * Files the pages that executions killed before their end could not file, this run's or any other's. Called as
     * the job starts, before the step: a run killed while its step's end filed the ledger has its step recorded as
     * COMPLETED already, so its resume skips the step and completes the job at once.
     */
    void fileEarlierPages() {
        fileLedgerPages(true);
    }

    /**
     * Files the run's ledger pages into the per-entry table, whatever the step's status: a step that ended (also
     * stopped or failed) adds no more pages, and an answer reads the same from a page and from an entry.
     */
    @Override
    public ExitStatus afterStep(StepExecution stepExecution) {
        fileLedgerPages(false);
        return null;
    }

    private void fileLedgerPages(boolean everyRun) {
        try {
            if (everyRun) {
                long total = ledger.unfiled();
                progress.filing(0, total);
                ledger.fileAll(filed -> progress.filing(filed, total));
            } else {
                long run = stepExecution.getJobExecution().getJobInstance().getInstanceId();
                long total = ledger.unfiled(run);
                progress.filing(0, total);
                ledger.file(run, filed -> progress.filing(filed, total));
            }
        } catch (RuntimeException e) {
            // The pages stay where every read finds them; the next start or abandon of the run files them.
            LOG.warn("Could not file the ledger's pages into its per-entry table (they stay readable where they are,"
                    + " and are filed when a run next starts or this one is abandoned): {}", e.toString());
        } finally {
            progress.filingDone();
        }
    }

    /**
     * Fencing: runs inside the chunk's transaction, before the report is written, and fails it unless this process
     * still holds the run's lease; the lease row then stays locked until the commit, so no other process can take
     * the run over between this check and the checkpoint.
     */
    @Override
    public void beforeWrite(Chunk<? extends AuditLine> lines) {
        lease.fence();
    }

    /**
     * Runs inside the chunk's transaction: the lines' answers go into the ledger with the commit, and once
     * that commit is on disk, its report lines are the record, and the journal can let go of their rows.
     */
    @Override
    public void afterWrite(Chunk<? extends AuditLine> lines) {
        JobExecution execution = stepExecution.getJobExecution();
        JobParameters parameters = execution.getJobParameters();
        ledger.recordPage(execution.getJobInstance().getInstanceId(),
                parameters.getString(ErasureJobConfiguration.INPUT_SHA256),
                parameters.getString(ErasureJobConfiguration.API_URL),
                Path.of(parameters.getString(ErasureJobConfiguration.REPORT_FILE)), List.copyOf(lines.getItems()));
        // Saved with the chunk's commit: rows after it are sent after this moment.
        stepExecution.getExecutionContext().putLong(UNCOMMITTED_SINCE, clock.millis());
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                repositoryToDisk.run();
                journal.clear();
            }
        });
    }

    /**
     * @throws OutOfMemoryError after telling the eraser to send nothing more: the other workers' rows end unsent, and
     *                          the command exits 2 (see {@code PolarErasureCommand})
     */
    @Override
    public AuditLine process(RequestRow request) {
        try {
            // A retry file's row keeps where it came from in the report, however it was decided.
            return decide(request).withOrigin(RetryOrigin.reportCells(request));
        } catch (OutOfMemoryError e) {
            eraser.stopSending();
            throw e;
        }
    }

    private AuditLine decide(RequestRow request) {
        Optional<AuditLine> decided = decideWithoutCall(request, idColumn, duplicates, clock);
        if (decided.isPresent()) {
            return decided.get();
        }
        EarlierSends sends = EarlierSends.of(request, recorded.get(request.row()), uncommittedSince);
        if (sends.answered() != null) {
            return sends.answered();
        }
        int[] lastAttempt = {sends.withdrawn()};
        // A process that lost the run's lease writes nothing more to the run's journal either.
        lease.check(sends.interrupted());
        Erasure erasure;
        try {
            erasure = forms.erase(request, sends.earlier(), sends.withdrawn(), lastAttempt);
        } catch (RuntimeException e) {
            // Refused credentials or route, Polar down, or a stop request: unless an attempt's answer was
            // lost, nothing changed, and the row is sent on resume as if new (its DELETEs so far still counted).
            if (sends.withdrawsAfter(e)) {
                journal.unmark(request.row(), lastAttempt[0]);
            }
            throw e;
        }
        Outcome outcome = outcomeOf(erasure);
        String detail = outcome == Outcome.NOT_FOUND && erasure.detail().isEmpty()
                ? NOT_FOUND_DETAIL : erasure.detail();
        if (outcome == Outcome.NOT_FOUND) {
            detail = detail + erasedEarlier(request.externalId());
        }
        if (erasure.inDoubt()) {
            detail = AuditLine.IN_DOUBT + detail;
        }
        AuditLine line = new AuditLine(request.row(), request.externalId(), outcome, erasure.httpStatus(),
                sends.withdrawn() + erasure.attempts(), detail, clock.instant());
        journal.record(line);
        // The answer that settled this row may have stopped the run (a 204 from the other environment): the
        // row is journaled, so its answer reaches the report on resume or abandon, and the run stops now.
        eraser.failIfStopped();
        return line;
    }

    /**
     * For a NOT_FOUND: where the ledger shows this tool erased the ID before at this same API, or nothing (a 204
     * from the sandbox or another URL says nothing about this API's customer).
     */
    private String erasedEarlier(String externalId) {
        JobExecution execution = stepExecution.getJobExecution();
        return ledger.lastErasureByOtherRuns(externalId, execution.getJobInstance().getInstanceId(),
                        execution.getJobParameters().getString(ErasureJobConfiguration.API_URL))
                .map(erased -> "; this tool erased this external ID earlier" + (erased.apiUrl() == null
                        ? " (the ledger entry is older than 2026-12 and does not say at which API)" : " at this API")
                        + ": 204 at " + erased.answeredAt() + ", run " + erased.jobInstanceId() + " (input SHA-256 "
                        + erased.inputSha256() + "), row " + erased.row() + " of the report " + erased.reportPath())
                .orElse("");
    }

    /**
     * The outcome of rows that are never sent: the same rules for a real run and a dry run, as
     * {@link IdRules} decided them when the row was read. Empty when the row is to be sent.
     */
    static Optional<AuditLine> decideWithoutCall(RequestRow request, String idColumn, DuplicateIndex duplicates,
                                                 Clock clock) {
        if (!request.valid()) {
            return Optional.of(AuditLine.withoutCall(request.row(), request.externalId() == null ? ""
                    : request.externalId(), Outcome.INVALID, request.invalid(), clock.instant()));
        }
        OptionalLong first = duplicates.firstRowOf(request.row());
        if (first.isPresent()) {
            return Optional.of(AuditLine.withoutCall(request.row(), request.externalId(), Outcome.DUPLICATE,
                    "same " + idColumn + " as row " + first.getAsLong(), clock.instant()));
        }
        return Optional.empty();
    }

    private static Outcome outcomeOf(Erasure erasure) {
        switch (erasure.result()) {
            case ERASED:
                return Outcome.DELETED;
            case NOT_FOUND:
                return Outcome.NOT_FOUND;
            case REJECTED:
                return Outcome.INVALID;
            case REVIEW:
                return Outcome.REVIEW;
            default:
                return Outcome.FAILED;
        }
    }
}
