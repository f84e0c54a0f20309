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
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Decides one row: INVALID and DUPLICATE without a call, otherwise one erasure through Polar,
 * journaled so that a restart never sends a row again whose answer was already received.
 * Thread-safe: rows of a chunk are processed concurrently.
 */
final class ErasureProcessor implements ItemProcessor<RequestRow, AuditLine>, StepExecutionListener,
        ItemWriteListener<AuditLine> {

    static final String NOT_FOUND_DETAIL = "Polar has no live customer with this external ID";

    private final String runKey;
    private final String idColumn;
    private final DuplicateIndex duplicates;
    private final OutcomeJournal journal;
    private final Eraser eraser;
    private final Clock clock;
    /** What earlier executions of this run journaled for rows not yet in the report; read-only during a step. */
    private volatile Map<Long, OutcomeJournal.Entry> recorded = Map.of();

    ErasureProcessor(String runKey, String idColumn, DuplicateIndex duplicates, OutcomeJournal journal,
                     Eraser eraser, Clock clock) {
        this.runKey = runKey;
        this.idColumn = idColumn;
        this.duplicates = duplicates;
        this.journal = journal;
        this.eraser = eraser;
        this.clock = clock;
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        recorded = Map.copyOf(journal.load(runKey));
    }

    /** The chunk's outcomes must be committed in the journal before the chunk can commit without them. */
    @Override
    public void beforeWrite(Chunk<? extends AuditLine> lines) {
        journal.flush();
    }

    /** Runs inside the chunk's transaction, after its lines were written: they are the record now. */
    @Override
    public void afterWrite(Chunk<? extends AuditLine> lines) {
        long last = 0;
        for (AuditLine line : lines) {
            last = Math.max(last, line.row());
        }
        journal.forgetThrough(runKey, last);
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
        if (!interrupted) {
            journal.markSending(runKey, request.row(), request.externalId());
        }
        Erasure erasure;
        try {
            erasure = eraser.erase(request.externalId(), interrupted);
        } catch (RuntimeException e) {
            // Refused credentials or route, Polar down, or a stop request: unless an attempt's answer was
            // lost, nothing changed, and the row is sent on resume as if new.
            if (e instanceof RowFault fault && !interrupted && !fault.rowMayHaveLanded()) {
                journal.unmark(runKey, request.row());
            }
            throw e;
        }
        Outcome outcome = outcomeOf(erasure);
        String detail = outcome == Outcome.NOT_FOUND && erasure.detail().isEmpty()
                ? NOT_FOUND_DETAIL : erasure.detail();
        AuditLine line = new AuditLine(request.row(), request.externalId(), outcome, erasure.httpStatus(),
                erasure.attempts(), detail, clock.instant());
        journal.record(runKey, line);
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
