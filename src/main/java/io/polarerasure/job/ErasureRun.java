package io.polarerasure.job;

import java.nio.file.Path;
import java.time.Clock;

import io.polarerasure.input.ScanResult;
import io.polarerasure.polar.Eraser;

/**
 * What one invocation hands to the job: the scanned input and the resilient Polar caller.
 *
 * @param concurrency worker threads: requests in flight at once at most (under {@code --concurrency auto} the
 *                    eraser's in-flight limit keeps them fewer)
 * @param chunkSize   rows per checkpoint
 * @param stateDir    where the run's journal lives
 * @param identity    the run's content and destination
 * @param snapshot    the run's copy of the request file ({@link InputSnapshot}): what the job reads
 */
public record ErasureRun(ScanResult scan, String idColumn, Eraser eraser, Clock clock, int concurrency,
                         int chunkSize, Path stateDir, RunIdentity identity, Path snapshot) {

    public ErasureRun {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be 1 or more, was " + concurrency);
        }
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be 1 or more, was " + chunkSize);
        }
    }

    /** The name of the run's files in the state folder. */
    public String runKey() {
        return identity.key();
    }
}
