package io.polarerasure.job;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import io.polarerasure.input.DuplicateIndex;
import io.polarerasure.input.IdRules;
import io.polarerasure.input.RequestRow;
import io.polarerasure.polar.Eraser;
import io.polarerasure.polar.PolarClient;
import io.polarerasure.polar.Erasure;
import io.polarerasure.polar.RowFault;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

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
 * journaled so that a restart never sends a row again whose answer was already received.
 * Thread-safe: rows of a chunk are processed concurrently.
 */
final class ErasureProcessor implements ItemProcessor<RequestRow, AuditLine>, StepExecutionListener,
        ItemWriteListener<AuditLine> {

    static final String NOT_FOUND_DETAIL = "Polar has no live customer with this external ID";

    /**
     * The largest chunk any execution of the run used, saved before anything is sent: how far past the
     * checkpoint an interrupted execution may have sent rows.
     */
    static final String LARGEST_CHUNK = "erasure.largest.chunk";

    private final String idColumn;
    private final DuplicateIndex duplicates;
    private final RunJournal journal;
    private final RunLease lease;
    private final Eraser eraser;
    private final Clock clock;
    private final int chunkSize;
    private final JobRepository jobRepository;
    private final Runnable repositoryToDisk;
    /** What earlier executions of this run journaled for rows not yet in the report; read-only during a step. */
    private volatile Map<Long, OutcomeJournal.Entry> recorded = Map.of();

    ErasureProcessor(String idColumn, DuplicateIndex duplicates, RunJournal journal, RunLease lease, Eraser eraser,
                     Clock clock, int chunkSize, JobRepository jobRepository, Runnable repositoryToDisk) {
        this.idColumn = idColumn;
        this.duplicates = duplicates;
        this.journal = journal;
        this.lease = lease;
        this.eraser = eraser;
        this.clock = clock;
        this.chunkSize = chunkSize;
        this.jobRepository = jobRepository;
        this.repositoryToDisk = repositoryToDisk;
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
        jobRepository.updateExecutionContext(stepExecution);
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
     * Runs inside the chunk's transaction: once its commit is on disk, its report lines are the record,
     * and the journal can let go of their rows.
     */
    @Override
    public void afterWrite(Chunk<? extends AuditLine> lines) {
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                repositoryToDisk.run();
                journal.clear();
            }
        });
    }

    @Override
    public AuditLine process(RequestRow request) {
        Optional<AuditLine> decided = decideWithoutCall(request, idColumn, duplicates, clock);
        if (decided.isPresent()) {
            return decided.get();
        }
        OutcomeJournal.Entry known = recorded.get(request.row());
        if (known != null && !known.sending()) {
            return known.line();
        }
        // A SENDING mark without an outcome: a crash lost the answer of a request that may have landed.
        boolean interrupted = known != null;
        // A process that lost the run's lease writes nothing more to the run's journal either.
        lease.check(interrupted);
        if (!interrupted) {
            journal.markSending(request.row());
        }
        Erasure erasure;
        try {
            erasure = eraser.erase(request.externalId(), interrupted);
        } catch (RuntimeException e) {
            // Refused credentials or route, Polar down, or a stop request: unless an attempt's answer was
            // lost, nothing changed, and the row is sent on resume as if new.
            if (e instanceof RowFault fault && !interrupted && !fault.rowMayHaveLanded()
                    && !(e instanceof RunLease.LeaseLostException)) {
                journal.unmark(request.row());
            }
            throw e;
        }
        Outcome outcome = outcomeOf(erasure);
        String detail = outcome == Outcome.NOT_FOUND && erasure.detail().isEmpty()
                ? NOT_FOUND_DETAIL : erasure.detail();
        AuditLine line = new AuditLine(request.row(), request.externalId(), outcome, erasure.httpStatus(),
                erasure.attempts(), detail, clock.instant());
        journal.record(line);
        return line;
    }

    /**
     * The outcome of rows that are never sent: the same rules for a real run and a dry run.
     * Empty when the row is to be sent.
     */
    static Optional<AuditLine> decideWithoutCall(RequestRow request, String idColumn, DuplicateIndex duplicates,
                                                 Clock clock) {
        if (request.externalId() == null) {
            return Optional.of(AuditLine.withoutCall(request.row(), "", Outcome.INVALID,
                    "row has no " + idColumn + " field", clock.instant()));
        }
        // PolarClient's own refusals (e.g. lone surrogates) count too: such a row is never sent.
        Optional<String> violation = IdRules.violation(request.externalId())
                .or(() -> PolarClient.unsendable(request.externalId()));
        if (violation.isPresent()) {
            return Optional.of(AuditLine.withoutCall(request.row(), request.externalId(), Outcome.INVALID,
                    violation.get(), clock.instant()));
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
            default:
                return Outcome.FAILED;
        }
    }
}
