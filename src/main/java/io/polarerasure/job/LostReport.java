package io.polarerasure.job;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.polarerasure.input.RequestRow;
import io.polarerasure.input.RetryOrigin;
import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Rebuilds the committed rows of a run whose report was deleted, for {@code abandon}: without it the 204s kept only
 * in the run's journal could never reach a report or the ledger. A committed row gets its answer back from the
 * {@link Ledger} (which keeps every definitive answer, written with the chunk that reported it); a row the ledger
 * has no answer for (it was FAILED in the lost report, or its answer was pruned) becomes FAILED, in doubt, saying
 * that what happened to it is unknown. Never DELETED without a 204 the ledger recorded. Every rebuilt line says the
 * original report was lost.
 */
final class LostReport {

    /** Appended to the detail of every line abandon writes into a rebuilt report. */
    static final String NOTE = "the original report was lost (deleted) and rebuilt by abandon";
    static final String UNKNOWN_DETAIL = "the original report was lost (deleted) and the ledger holds no answer for"
            + " this committed row: it was FAILED in the lost report, or its answer was pruned from the ledger"
            + " (prune --before). Whether the customer was erased is unknown; look the ID up at Polar";

    private final RunAnswers answers;
    private final Clock clock;
    private final List<RequestRow> pending = new ArrayList<>();
    private final List<AuditLine> decided = new ArrayList<>();
    private long fromLedger;
    private long unknown;

    /** @param answers the run's answers, whose ledger entries rebuild its committed rows */
    LostReport(RunAnswers answers, Clock clock) {
        this.answers = answers;
        this.clock = clock;
    }

    /**
     * Whether the report the run committed is gone: it had a checkpoint, and no file is at its path.
     * An existing report that does not match is not lost but tampered with, and stays refused.
     */
    static boolean lost(Path report, ExecutionContext context) {
        return context.containsKey(ReportWriter.COMMITTED_BYTES) && !Files.exists(report);
    }

    /** Makes the report writer start a new report (header first) instead of reopening the lost one. */
    static void forgetCommitted(ExecutionContext context) {
        context.remove(ReportWriter.COMMITTED_BYTES);
        context.remove(ReportWriter.COMMITTED_SHA256);
    }

    /**
     * Queues a committed row.
     *
     * @param withoutCall the row's line when it is decided without a call (INVALID, DUPLICATE), else null
     */
    void add(RequestRow row, AuditLine withoutCall) {
        pending.add(row);
        decided.add(withoutCall);
    }

    int queued() {
        return pending.size();
    }

    /** The queued rows' lines, in their order, from the ledger; the queue is emptied. */
    List<AuditLine> drain() {
        if (pending.isEmpty()) {
            return List.of();
        }
        Map<Long, Ledger.Entry> entries = answers.committed(pending.get(0).row(),
                pending.get(pending.size() - 1).row());
        List<AuditLine> lines = new ArrayList<>(pending.size());
        for (int i = 0; i < pending.size(); i++) {
            RequestRow row = pending.get(i);
            Ledger.Entry entry = entries.get(row.row());
            AuditLine line = decided.get(i);
            if (line == null) {
                line = entry != null && entry.externalId().equals(row.externalId()) ? fromLedger(entry)
                        : unknownLine(row);
            } else {
                line = withNote(line, "the row's outcome was decided again from the input");
            }
            lines.add(line.withOrigin(RetryOrigin.reportCells(row)));
        }
        pending.clear();
        decided.clear();
        return lines;
    }

    private AuditLine fromLedger(Ledger.Entry entry) {
        fromLedger++;
        // The ledger does not keep the count of requests: a DELETE-answer (204, 404, 422) took at least one.
        int attempts = entry.outcome() == Outcome.REVIEW ? 0 : 1;
        return new AuditLine(entry.row(), entry.externalId(), entry.outcome(), entry.httpStatus(), attempts,
                NOTE + "; this row was rebuilt from the ledger (answered at " + entry.answeredAt() + "); attempts is a"
                        + " lower bound, the ledger keeps neither the count nor the original detail",
                entry.answeredAt());
    }

    private AuditLine unknownLine(RequestRow row) {
        unknown++;
        return new AuditLine(row.row(), row.externalId(), Outcome.FAILED, null, 0,
                AuditLine.IN_DOUBT + UNKNOWN_DETAIL, clock.instant());
    }

    /** A line decided after the checkpoint (journal, in doubt, never sent), marked as written into a rebuilt report. */
    static AuditLine withNote(AuditLine line, String source) {
        String note = NOTE + "; " + source;
        return new AuditLine(line.row(), line.externalId(), line.outcome(), line.httpStatus(), line.attempts(),
                line.detail().isEmpty() ? note : line.detail() + "; " + note, line.processedAt(), line.origin());
    }

    /** Committed rows whose answer came back from the ledger. */
    long fromLedger() {
        return fromLedger;
    }

    /** Committed rows the ledger has no answer for, written FAILED in doubt. */
    long unknown() {
        return unknown;
    }
}
