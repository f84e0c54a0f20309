package io.polarerasure.job;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Commits the journal writes of concurrent workers together, in the order they were queued: a
 * caller of {@link #write} returns once its write is committed, and the writes queued meanwhile
 * share that commit. A commit is the
 * journal's main cost (the embedded H2 writes every commit out), so this keeps it from limiting the
 * job's pace. One daemon thread; {@link #close} commits what is queued and stops it.
 */
final class GroupCommit implements AutoCloseable {

    private static final int MAX_BATCH = 512;

    /** One statement, or with no sql a marker for {@link #flush}; {@code awaited} unless queued by writeLater. */
    private record Write(String sql, Object[] args, CompletableFuture<Void> committed, boolean awaited) {
    }

    /** Queued last by {@link #close}: the committer commits what came before it, then ends. */
    private static final Write STOP = new Write(null, null, new CompletableFuture<>(), false);

    private final BlockingQueue<Write> queue = new LinkedBlockingQueue<>();
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final Thread committer;
    private volatile RuntimeException failed;
    private boolean closed;

    GroupCommit(JdbcTemplate jdbc, TransactionTemplate transaction) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.committer = new Thread(this::commitLoop, "journal-commit");
        this.committer.setDaemon(true);
        this.committer.start();
    }

    /** Runs one statement and returns when it is committed; throws what the commit threw. */
    void write(String sql, Object... args) {
        Write write = new Write(sql, args, new CompletableFuture<>(), true);
        enqueue(write);
        await(write);
    }

    /** Queues one statement for the next commit without waiting; a failure surfaces at the next {@link #flush}. */
    void writeLater(String sql, Object... args) {
        enqueue(new Write(sql, args, new CompletableFuture<>(), false));
    }

    /** Returns once everything queued before is committed; throws if any of it failed. */
    void flush() {
        Write marker = new Write(null, null, new CompletableFuture<>(), true);
        enqueue(marker);
        await(marker);
        RuntimeException failure = failed;
        if (failure != null) {
            throw failure;
        }
    }

    /** Refuses writes once closed, so no caller waits for a commit that will never come. */
    private synchronized void enqueue(Write write) {
        if (closed) {
            throw new IllegalStateException("the outcome journal is closed: the run is ending");
        }
        queue.add(write);
    }

    private static void await(Write write) {
        try {
            write.committed().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the journal committed", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime
                    : new IllegalStateException("journal commit failed", e.getCause());
        }
    }

    private void commitLoop() {
        List<Write> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            boolean stopping = batch.removeIf(write -> write == STOP);
            try {
                transaction.executeWithoutResult(status -> batch.stream().filter(write -> write.sql() != null)
                        .forEach(write -> jdbc.update(write.sql(), write.args())));
                batch.forEach(write -> write.committed().complete(null));
            } catch (RuntimeException e) {
                // A caller that waits hears of its failure at once; one that did not, at the next flush.
                if (failed == null && batch.stream().anyMatch(write -> !write.awaited())) {
                    failed = e;
                }
                batch.forEach(write -> write.committed().completeExceptionally(e));
            }
            batch.clear();
            if (stopping) {
                return;
            }
        }
    }

    /** Commits what is queued (answers received while the run ended are kept), then stops the thread. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
        }
        try {
            committer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
