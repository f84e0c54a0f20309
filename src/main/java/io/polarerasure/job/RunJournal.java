package io.polarerasure.job;

import java.time.Instant;
import java.util.Map;

import io.polarerasure.report.AuditLine;

/**
 * Where a run remembers, outside the chunk transaction, what it sent to Polar (see {@link OutcomeJournal} for
 * why and for the semantics every implementation keeps): a file in the state folder ({@link OutcomeJournal},
 * for the embedded H2, which is one machine's anyway) or the job repository ({@link DatabaseJournal}, for
 * PostgreSQL, so that a run resumed on another host is exact). Thread-safe.
 */
public interface RunJournal extends AutoCloseable {

    /**
     * Opens the journal for an execution and returns what earlier executions recorded, by row.
     *
     * @param resuming     whether an earlier execution of this run may have sent rows
     * @param doubtFrom    first row the interrupted execution may have sent unrecorded, if its journal is incomplete
     * @param doubtThrough last such row (the end of its chunk)
     */
    Map<Long, OutcomeJournal.Entry> open(boolean resuming, long doubtFrom, long doubtThrough);

    /**
     * What earlier executions recorded, without changing anything (for {@code abandon} and {@code status}): rows
     * whose answer a machine crash may have taken with it count as possibly sent.
     *
     * @param doubtFrom    first row the interrupted execution may have sent unrecorded, if the journal is incomplete
     * @param doubtThrough last such row (the end of its chunk)
     * @throws java.io.IOException if the journal cannot be read
     */
    Map<Long, OutcomeJournal.Entry> recorded(long doubtFrom, long doubtThrough) throws java.io.IOException;

    /**
     * Records that a DELETE for this row is about to be sent; returns once that is durable enough to send.
     *
     * @param attempt the DELETE's number for the row across all executions of the run (1 first)
     * @param at      when it is sent
     */
    void markSending(long row, int attempt, Instant at);

    /**
     * Withdraws a SENDING mark for a row whose requests provably changed nothing.
     *
     * @param attempts DELETEs sent for the row so far, across executions
     */
    void unmark(long row, int attempts);

    /** Records the row's final outcome. */
    void record(AuditLine line);

    /** Empties the journal: called once a chunk has committed, when its report lines are the record. */
    void clear();

    /** Deletes a completed run's journal: its report is now the record. */
    void delete();

    @Override
    void close();
}
