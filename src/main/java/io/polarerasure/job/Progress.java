package io.polarerasure.job;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.springframework.batch.core.listener.ItemWriteListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;

/**
 * Counts rows as the step writes them to the report, for progress lines while a run goes. Written by the
 * step's thread, read by any: a snapshot may be one chunk behind and counts a chunk whose commit then fails,
 * which is fine for progress and why the report, not this, is the record.
 */
public final class Progress implements StepExecutionListener, ItemWriteListener<AuditLine> {

    /**
     * @param done      rows in the report, including those of earlier invocations of a resumed run
     * @param doneNow   rows written by this invocation
     * @param countsNow outcomes written by this invocation, in report order
     */
    public record Snapshot(long done, long doneNow, Map<Outcome, Long> countsNow) {
        public Snapshot {
            Map<Outcome, Long> ordered = new EnumMap<>(Outcome.class);
            ordered.putAll(countsNow);
            countsNow = Collections.unmodifiableMap(ordered);
        }
    }

    private final AtomicLong before = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLongArray byOutcome = new AtomicLongArray(Outcome.values().length);

    @Override
    public void beforeStep(StepExecution stepExecution) {
        // A resumed step starts from its last checkpoint, the reader's count of rows in the report.
        before.set(stepExecution.getExecutionContext().getInt(RunHistory.ROWS_DONE, 0));
    }

    @Override
    public void afterWrite(Chunk<? extends AuditLine> items) {
        for (AuditLine line : items) {
            byOutcome.incrementAndGet(line.outcome().ordinal());
        }
        written.addAndGet(items.size());
    }

    public Snapshot snapshot() {
        Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            long count = byOutcome.get(outcome.ordinal());
            if (count > 0) {
                counts.put(outcome, count);
            }
        }
        long now = written.get();
        return new Snapshot(before.get() + now, now, counts);
    }
}
