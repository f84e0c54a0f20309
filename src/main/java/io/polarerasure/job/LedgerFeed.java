package io.polarerasure.job;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import io.polarerasure.input.RequestRow;
import io.polarerasure.report.AuditLine;

import org.springframework.batch.core.listener.ItemReadListener;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Writes each definitive answer into the {@link Ledger} as soon as a worker has it, inside the transaction of the
 * chunk in progress, so that the chunk's commit no longer waits for a thousand inserts while every worker idles
 * (issue 18: the inserts at the end of the chunk cost as much as all the requests). The entries still commit or roll
 * back with the chunk's checkpoint, exactly as when they were written at the end: they are written through the
 * chunk transaction's own connection, which Spring Batch opens before the chunk's first read and keeps until its
 * commit; the workers' inserts take turns on it (one lock), and the feed closes before that transaction completes,
 * so a worker still busy when a chunk fails writes nothing more. {@link ErasureProcessor#afterWrite} writes whatever
 * the feed did not (none in a normal chunk), so the chunk's ledger entries are the same whoever wrote them.
 *
 * <p>Only with the embedded H2: it is one process's file, and a failed statement leaves its transaction usable. With
 * PostgreSQL, rows inserted early would hold their keys during the whole chunk, and a second host taking over a
 * paused holder's run would wait on them; there the entries are written at the end of the chunk as before.
 *
 * <p>Registered as an {@link ItemReadListener}: the reader runs on the thread that holds the chunk's transaction.
 * Thread-safe.
 */
final class LedgerFeed implements ItemReadListener<RequestRow> {

    private final Ledger ledger;
    private final DataSource dataSource;
    private final boolean enabled;
    private final Object lock = new Object();
    /** The run's identity in the ledger, set before the step's first chunk. */
    private volatile Run run;
    /** The chunk in progress; null between chunks. Guarded by {@link #lock}. */
    private OpenChunk open;

    private record Run(long jobInstanceId, String inputSha256, String reportPath) {
    }

    private record OpenChunk(Connection connection, PreparedStatement insert, Set<Long> written) {
    }

    /**
     * @param enabled false for a repository other than the embedded H2 (see the class comment): the feed then
     *                writes nothing and the chunk's end writes every entry
     */
    LedgerFeed(Ledger ledger, DataSource dataSource, boolean enabled) {
        this.ledger = ledger;
        this.dataSource = dataSource;
        this.enabled = enabled;
    }

    /** Names the run whose answers follow (from the step's job instance and parameters). */
    void start(long jobInstanceId, String inputSha256, Path report) {
        run = new Run(jobInstanceId, inputSha256, report.toAbsolutePath().toString());
    }

    /** Opens the feed on the chunk transaction's connection at the chunk's first read. */
    @Override
    public void beforeRead() {
        if (!enabled || run == null || !TransactionSynchronizationManager.isActualTransactionActive()) {
            return;
        }
        synchronized (lock) {
            if (open != null) {
                return;
            }
            Connection connection = DataSourceUtils.getConnection(dataSource);
            try {
                open = new OpenChunk(connection, connection.prepareStatement(Ledger.INSERT), new HashSet<>());
            } catch (SQLException e) {
                DataSourceUtils.releaseConnection(connection, dataSource);
                throw new DataAccessResourceFailureException("Cannot prepare the ledger's insert", e);
            }
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void beforeCompletion() {
                close();
            }

            @Override
            public void afterCompletion(int status) {
                close();
            }
        });
    }

    /**
     * Writes this answer into the open chunk's transaction if it is definitive; nothing between chunks (a worker
     * finishing after its chunk failed) or when the feed is off.
     *
     * @throws org.springframework.dao.DataAccessException if the database refuses the write: the chunk fails
     */
    void offer(AuditLine line) {
        Run current = run;
        if (current == null || !Ledger.definitive(line)) {
            return;
        }
        synchronized (lock) {
            if (open == null) {
                return;
            }
            ledger.insert(open.connection(), open.insert(), current.jobInstanceId(), current.inputSha256(),
                    current.reportPath(), line);
            open.written().add(line.row());
        }
    }

    /** The lines among these whose entry the feed has not written in the open chunk: the chunk's end writes them. */
    List<AuditLine> notWritten(List<? extends AuditLine> lines) {
        synchronized (lock) {
            Set<Long> written = open == null ? Set.of() : open.written();
            return lines.stream().filter(line -> !written.contains(line.row())).map(AuditLine.class::cast).toList();
        }
    }

    private void close() {
        synchronized (lock) {
            if (open == null) {
                return;
            }
            try {
                open.insert().close();
            } catch (SQLException ignored) {
                // The transaction ends anyway; its outcome decides what the ledger keeps.
            }
            DataSourceUtils.releaseConnection(open.connection(), dataSource);
            open = null;
        }
    }
}
