package io.polarerasure.job;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import io.polarerasure.input.RequestRow;
import io.polarerasure.report.AuditLine;

import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.batch.infrastructure.item.ItemStreamReader;
import org.springframework.core.task.AsyncTaskExecutor;

/**
 * The chunk step's reader and processor: each row read is handed to a worker at once, and processing a row waits
 * for its line. The step reads a whole chunk before it processes the first row, so the chunk's rows are decided
 * concurrently, as with a step's own task executor, but the step's thread sleeps through the chunk once (it waits
 * for the chunk's last row first) instead of waking as each row is answered: 10 % more rows per second with the
 * rate limit off on 2 cores (design.md, "Where the overhead goes now"). Spring Batch's {@code AsyncItemProcessor}
 * does the same hand-over but waits row by row.
 *
 * <p>Rows are handed over only as the step reads them, so the rows that may have been sent past the checkpoint
 * are the chunk's, as before; the reader's saved position (its {@link ItemStreamReader#update}) is unchanged.
 *
 * <p>Not thread-safe: the step calls it from one thread; {@code erasure} runs on the workers.
 */
final class ChunkWorkers implements ItemStreamReader<RequestRow>, ItemProcessor<RequestRow, AuditLine> {

    /** How long {@link #close} waits for requests in flight to be answered and journaled. */
    private static final long DRAIN_SECONDS = 120;

    private record Handed(RequestRow row, Future<AuditLine> line) {
    }

    private final ItemStreamReader<RequestRow> rows;
    private final ItemProcessor<RequestRow, AuditLine> erasure;
    private final AsyncTaskExecutor workers;
    private final Consumer<AuditLine> answered;
    /** Rows read and handed to a worker whose line the step has not taken yet, in order. */
    private final ArrayDeque<Handed> handed = new ArrayDeque<>();
    /** Set by {@link #close}: a row no worker has started yet is then not decided (nothing is sent for it). */
    private volatile boolean closing;

    /**
     * @param rows    the request file's rows, from the checkpoint on
     * @param erasure decides one row (calls Polar); runs on the workers
     * @param workers  as many threads as rows may be decided at once
     * @param answered told of each row's line on its worker, as soon as it is decided (progress and live status
     *                 count it then, not when the step takes it: the step may be waiting for a later row's 429 pause)
     */
    ChunkWorkers(ItemStreamReader<RequestRow> rows, ItemProcessor<RequestRow, AuditLine> erasure,
                 AsyncTaskExecutor workers, Consumer<AuditLine> answered) {
        this.rows = Objects.requireNonNull(rows, "rows");
        this.erasure = Objects.requireNonNull(erasure, "erasure");
        this.workers = Objects.requireNonNull(workers, "workers");
        this.answered = Objects.requireNonNull(answered, "answered");
    }

    @Override
    public void open(ExecutionContext context) {
        handed.clear();
        closing = false;
        rows.open(context);
    }

    /** The next row, already handed to a worker; null after the last. */
    @Override
    public RequestRow read() throws Exception {
        RequestRow row = rows.read();
        if (row != null) {
            handed.add(new Handed(row, workers.submit(() -> {
                if (closing) {
                    throw new CancellationException("the step ended before row " + row.row() + " was sent");
                }
                AuditLine line = erasure.process(row);
                answered.accept(line);
                return line;
            })));
        }
        return row;
    }

    /**
     * The row's line, once its worker has it.
     *
     * @throws Exception             what deciding the row threw (an {@link Error} as itself)
     * @throws IllegalStateException if {@code row} is not the oldest row read and not yet processed
     */
    @Override
    public AuditLine process(RequestRow row) throws Exception {
        Handed first = handed.peek();
        if (first == null || first.row() != row) {
            throw new IllegalStateException("row " + row.row() + " is not the next row read");
        }
        if (!first.line().isDone()) {
            // Rows are answered about in the order they were handed over: the last one is the chunk's end.
            try {
                handed.getLast().line().get();
            } catch (ExecutionException e) {
                // Thrown with its own row.
            }
        }
        handed.poll();
        try {
            return first.line().get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    @Override
    public void update(ExecutionContext context) {
        rows.update(context);
    }

    /**
     * Ends the step's reading. After a chunk failed part-way, its rows that no worker started are never sent and
     * those in flight are waited for (at most {@value #DRAIN_SECONDS} s), so that their answers are journaled before
     * the run ends.
     */
    @Override
    public void close() {
        closing = true;
        try {
            for (Handed left : handed) {
                try {
                    left.line().get(DRAIN_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    // Not started before the close, or its failure is already the run's.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        } finally {
            handed.clear();
            rows.close();
        }
    }
}
