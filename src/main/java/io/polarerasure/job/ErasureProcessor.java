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
import io.polarerasure.input.Visible;
import io.polarerasure.polar.EarlierAttempts;
import io.polarerasure.polar.Eraser;
import io.polarerasure.polar.PolarClient;
import io.polarerasure.polar.Erasure;
import io.polarerasure.polar.RowFault;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

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
 * journaled so that a restart never sends a row again whose answer was already received.
 * Thread-safe: rows of a chunk are processed concurrently.
 */
final class ErasureProcessor implements ItemProcessor<RequestRow, AuditLine>, StepExecutionListener,
        ItemWriteListener<AuditLine> {

    static final String NOT_FOUND_DETAIL = "Polar has no live customer with this external ID";

    /** The dry run's note on a row whose ID the file holds with surrounding whitespace. */
    static final String AS_WRITTEN_PLAN = "would send the trimmed ID, then, if Polar answers 404, the ID as written: ";

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
    /** What earlier executions of this run journaled for rows not yet in the report; read-only during a step. */
    private volatile Map<Long, OutcomeJournal.Entry> recorded = Map.of();
    /** No row after the checkpoint was sent before this: see {@link #UNCOMMITTED_SINCE}. */
    private volatile Instant uncommittedSince = Instant.EPOCH;
    private StepExecution stepExecution;

    ErasureProcessor(String idColumn, DuplicateIndex duplicates, RunJournal journal, RunLease lease, Eraser eraser,
                     Clock clock, int chunkSize, JobRepository jobRepository, Runnable repositoryToDisk,
                     Ledger ledger) {
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
        ledger.recordAnswers(execution.getJobInstance().getInstanceId(),
                parameters.getString(ErasureJobConfiguration.INPUT_SHA256),
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
        OutcomeJournal.Entry known = recorded.get(request.row());
        if (known != null && known.line() != null) {
            return known.line();
        }
        // A SENDING mark without an outcome: a crash lost the answer of a request that may have landed.
        boolean interrupted = known != null && known.sending();
        // DELETEs of an earlier execution that provably changed nothing (429s before a stop): counted, not in doubt.
        int withdrawn = known != null && known.isWithdrawn() ? known.attempts() : 0;
        int[] lastAttempt = {withdrawn};
        // A process that lost the run's lease writes nothing more to the run's journal either.
        lease.check(interrupted);
        EarlierAttempts earlier = withDoubtFromFile(request, !interrupted ? EarlierAttempts.NONE
                : known.firstSentAt() != null ? EarlierAttempts.recorded(known.attempts(), known.firstSentAt())
                : new EarlierAttempts(known.attempts(), uncommittedSince, false));
        Erasure erasure;
        try {
            erasure = erase(request, earlier, withdrawn, lastAttempt);
        } catch (RuntimeException e) {
            // Refused credentials or route, Polar down, or a stop request: unless an attempt's answer was
            // lost, nothing changed, and the row is sent on resume as if new (its DELETEs so far still counted).
            if (e instanceof RowFault fault && !interrupted && !fault.rowMayHaveLanded()
                    && !(e instanceof RunLease.LeaseLostException)) {
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
                withdrawn + erasure.attempts(), detail, clock.instant());
        journal.record(line);
        // The answer that settled this row may have stopped the run (a 204 from the other environment): the
        // row is journaled, so its answer reaches the report on resume or abandon, and the run stops now.
        eraser.failIfStopped();
        return line;
    }

    /**
     * A retry file's row in doubt (an earlier run's DELETE of it may have landed) is in doubt here too, since the
     * earlier of the file's time and this run's own: the eraser then looks the ID up before it sends anything, and
     * leaves a customer created since to a person.
     */
    static EarlierAttempts withDoubtFromFile(RequestRow request, EarlierAttempts journaled) {
        Instant since = request.origin() == null ? null : request.origin().inDoubtSince();
        if (since == null) {
            return journaled;
        }
        Instant first = journaled.inDoubt() && journaled.firstSentAt().isBefore(since) ? journaled.firstSentAt()
                : since;
        return new EarlierAttempts(journaled.sent(), first, false);
    }

    /** For a NOT_FOUND: where the ledger shows this tool erased the ID before, or nothing. */
    private String erasedEarlier(String externalId) {
        return ledger.lastErasure(externalId)
                .map(erased -> "; this tool erased this external ID earlier: 204 at " + erased.answeredAt()
                        + ", run " + erased.jobInstanceId() + " (input SHA-256 " + erased.inputSha256() + "), row "
                        + erased.row() + " of the report " + erased.reportPath())
                .orElse("");
    }

    /**
     * Sends the trimmed ID (how almost every ID is stored); when Polar has no such customer and the file holds the
     * ID with surrounding whitespace, sends it as written too: IDs set through Polar's checkout are stored
     * untrimmed, so trimming alone could turn a live customer into a false NOT_FOUND. The detail says which form
     * matched, and the attempts count both. A row in doubt is never sent in its other form: which form the lost
     * attempt carried is not known, and its detail asks for a check by hand instead.
     *
     * @param withdrawn   DELETEs of earlier executions that changed nothing; this execution's are numbered after them
     * @param lastAttempt set to the number of the last DELETE journaled, for a withdrawal at a stop
     */
    private Erasure erase(RequestRow request, EarlierAttempts earlier, int withdrawn, int[] lastAttempt) {
        Erasure trimmed = eraser.erase(request.externalId(), earlier, (attempt, at) -> {
            lastAttempt[0] = withdrawn + attempt;
            journal.markSending(request.row(), lastAttempt[0], at);
        });
        if (!request.writtenWithWhitespace()) {
            return trimmed;
        }
        String asWritten = "\"" + Visible.escape(request.asWritten()) + "\"";
        if (trimmed.result() != Erasure.Result.NOT_FOUND || PolarClient.unsendable(request.asWritten()).isPresent()
                || trimmed.inDoubt()) {
            String note = trimmed.result() == Erasure.Result.ERASED
                    ? "matched the trimmed ID (the file holds " + asWritten + ")"
                    : trimmed.result() == Erasure.Result.NOT_FOUND && trimmed.inDoubt()
                            ? "the ID as written, " + asWritten + ", was not sent because an earlier attempt is in"
                                    + " doubt: check that customer by hand"
                            : "";
            return new Erasure(trimmed.result(), trimmed.httpStatus(), trimmed.attempts(),
                    join(note, trimmed.detail()), trimmed.inDoubt());
        }
        int sentBefore = withdrawn + trimmed.attempts();
        Erasure written = eraser.erase(request.asWritten(), EarlierAttempts.NONE, (attempt, at) -> {
            lastAttempt[0] = sentBefore + attempt;
            journal.markSending(request.row(), lastAttempt[0], at);
        });
        String which = written.result() == Erasure.Result.ERASED
                ? "matched the ID as written, " + asWritten + ", after the trimmed ID answered 404"
                : written.result() == Erasure.Result.NOT_FOUND
                        ? "neither the trimmed ID nor the ID as written, " + asWritten + ", matched a live customer"
                        : "the trimmed ID answered 404; the ID as written, " + asWritten + ", was also sent";
        return new Erasure(written.result(), written.httpStatus(), trimmed.attempts() + written.attempts(),
                join(which, join(trimmed.detail(), written.detail())), written.inDoubt());
    }

    private static String join(String first, String second) {
        return first.isEmpty() ? second : second.isEmpty() ? first : first + "; " + second;
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
