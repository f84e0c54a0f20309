package io.polarerasure.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;

/**
 * What {@code prune} deletes: ledger entries answered before a date, and the state of runs that finished
 * (COMPLETED or ABANDONED) before it: their job repository rows, journal and lock file. Runs that are
 * stopped, failed or running are kept whatever their age: they can still be resumed. Reports and summaries
 * are never touched: they are the proof, kept where the operator put them.
 */
public final class Retention {

    /**
     * What was deleted.
     *
     * @param ledgerEntries ledger entries answered before the date
     * @param runs          finished runs whose repository rows, journal and lock were deleted
     * @param runsKept      runs that ended before the date but were kept: unfinished, or locked by a process
     */
    public record Pruned(int ledgerEntries, int runs, int runsKept) {
    }

    private final JobRepository repository;
    private final Ledger ledger;
    private final Optional<Path> stateDir;

    /** @param stateDir the folder holding the runs' journals and locks, if it exists */
    public Retention(JobRepository repository, Ledger ledger, Optional<Path> stateDir) {
        this.repository = repository;
        this.ledger = ledger;
        this.stateDir = stateDir;
    }

    /**
     * Deletes what is older than {@code before}.
     *
     * @throws UncheckedIOException if a journal or lock file cannot be deleted
     */
    public Pruned pruneBefore(Instant before) {
        int ledgerEntries = ledger.pruneBefore(before);
        int runs = 0;
        int kept = 0;
        List<RunHistory.Run> all = new RunHistory(repository).all();
        // Re-runs of one content and destination share their state files: the latest may still be unfinished.
        Set<String> unfinishedKeys = all.stream()
                .filter(run -> run.state() != BatchStatus.COMPLETED && run.state() != BatchStatus.ABANDONED)
                .map(run -> run.identity().key()).collect(Collectors.toSet());
        for (RunHistory.Run run : all) {
            if (run.finished() == null || !run.finished().isBefore(before)) {
                continue;
            }
            if (run.state() != BatchStatus.COMPLETED && run.state() != BatchStatus.ABANDONED) {
                kept++;
                continue;
            }
            if (!unfinishedKeys.contains(run.identity().key()) && !deleteFiles(run.identity().key())) {
                kept++;
                continue;
            }
            JobInstance instance = repository.getJobInstance(run.runId());
            if (instance != null) {
                repository.deleteJobInstance(instance);
            }
            runs++;
        }
        return new Pruned(ledgerEntries, runs, kept);
    }

    /** Deletes a finished run's journal, input snapshot and lock file; false if another process holds its lock. */
    @SuppressWarnings("try") // the lock is only held while the files go, never called
    private boolean deleteFiles(String runKey) {
        if (stateDir.isEmpty()) {
            return true;
        }
        try (RunLock lock = RunLock.acquire(stateDir.get(), runKey)) {
            Files.deleteIfExists(OutcomeJournal.fileFor(stateDir.get(), runKey));
            Files.deleteIfExists(InputSnapshot.fileFor(stateDir.get(), runKey));
            Files.deleteIfExists(stateDir.get().resolve("run-" + runKey + ".lock"));
            return true;
        } catch (RunLock.RunLockedException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete the state files of run " + runKey + " in " + stateDir.get()
                    + ": " + e.getMessage() + ". Fix the folder's permissions and run prune again.", e);
        }
    }
}
