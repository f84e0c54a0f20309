package io.polarerasure.job;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

/**
 * What the outcome journal holds for an unfinished run's rows after its last checkpoint: the answers resuming will
 * take from it without sending again, and the requests that have no recorded answer (resuming sends them again,
 * not knowing whether the first one landed). Withdrawn entries do not count.
 *
 * @param answered   answers recorded after the checkpoint
 * @param unanswered requests recorded as being sent, with no answer recorded
 */
public record InterruptedChunk(long answered, long unanswered) {

    /**
     * Reads the run's journal: the database's when the repository keeps it ({@code databaseJournal} not null),
     * else the file in the state folder.
     *
     * @throws IOException if the journal file cannot be read
     */
    public static InterruptedChunk of(RunHistory.Run run, Map<Long, OutcomeJournal.Entry> databaseJournal,
                                      Path stateDir) throws IOException {
        Map<Long, OutcomeJournal.Entry> entries = databaseJournal != null ? databaseJournal
                : OutcomeJournal.read(OutcomeJournal.fileFor(stateDir, run.identity().key()));
        return RunAnswers.afterCheckpoint(entries, run.rowsDone());
    }

    /**
     * Reads the run's journal where the run keeps it: in the job repository when {@code journalRepository} is not
     * null (PostgreSQL), else in the state folder.
     *
     * @throws IOException  if the journal file cannot be read
     * @throws SQLException if the repository's journal cannot be read
     */
    public static InterruptedChunk read(RunHistory.Run run, DataSource journalRepository, Path stateDir)
            throws IOException, SQLException {
        return of(run, journalRepository == null ? null
                : DatabaseJournal.read(journalRepository, run.identity().key()), stateDir);
    }

    /**
     * One line for the operator; empty when the journal holds nothing after the checkpoint.
     *
     * @param running whether a live process holds the run: its unanswered requests are in flight, not lost
     */
    public Optional<String> describe(boolean running) {
        if (answered + unanswered == 0) {
            return Optional.empty();
        }
        if (running) {
            return Optional.of("running: " + answered + " answer(s) since the last checkpoint, " + unanswered
                    + " request(s) in flight.");
        }
        return Optional.of(answered + " answer(s) after the checkpoint are kept in"
                + " the journal (resuming reports them without sending again); " + unanswered + " request(s) in doubt"
                + " (sent, no answer recorded): will be looked up on resume.");
    }
}
