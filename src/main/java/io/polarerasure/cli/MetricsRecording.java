package io.polarerasure.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import io.polarerasure.job.RunHistory;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.report.ReportCounts;
import io.polarerasure.report.RunMetrics;

import org.springframework.batch.core.job.JobExecution;

/**
 * {@code run --metrics-file}: what one invocation learns about its run, written as Prometheus metrics when it
 * ends, whatever its exit code. Without the option (or for a dry run) it records nothing.
 */
final class MetricsRecording {

    private final Path file;
    private final Clock clock;
    private final Instant started;
    private Long runId;
    private Path report;
    private JobExecution execution;
    private boolean finished;

    private MetricsRecording(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
        this.started = clock.instant();
    }

    /**
     * Starts recording into {@code file}, or not at all when it is null.
     *
     * @throws UsageException if the file's folder does not exist or is not writable: found before anything is sent
     */
    static MetricsRecording start(Path file, boolean dryRun, Clock clock) {
        if (file == null || dryRun) {
            return new MetricsRecording(null, clock);
        }
        Path folder = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(folder) || !Files.isWritable(folder) || Files.isDirectory(file)) {
            throw new UsageException("--metrics-file " + file + ": " + (Files.isDirectory(file) ? "is a folder"
                    : "its folder " + folder + " does not exist or is not writable by this user") + ". Give a file"
                    + " in the textfile collector's folder (e.g. /var/lib/node_exporter/textfile/polar_erasure.prom)"
                    + " that this user may write. Nothing was sent.");
        }
        return new MetricsRecording(file, clock);
    }

    /** The run this invocation launched, resumed or found complete, and its report. */
    void ran(JobExecution launched, Path reportFile) {
        this.execution = launched;
        this.runId = launched.getJobInstance().getInstanceId();
        this.report = reportFile;
    }

    /**
     * Writes the metrics of an invocation that ends with {@code exitCode}, once: later calls do nothing (the run
     * writes them before a stop signal may end the JVM, the command again on its way out). A failure to write is
     * only told.
     */
    void finish(int exitCode, PrintWriter err) {
        if (file == null || finished) {
            return;
        }
        finished = true;
        Instant ended = clock.instant();
        try {
            RunMetrics.write(file, new RunMetrics.Run(ended, Duration.between(started, ended), exitCode,
                    exitCode == ExitCodes.OK || exitCode == ExitCodes.ROWS_FAILED, Optional.ofNullable(runId),
                    counts()));
        } catch (IOException | RuntimeException e) {
            err.println("polar-erasure: cannot write the metrics file " + file + " (" + e.getMessage() + "); the run"
                    + " itself is not affected.");
        }
    }

    private Optional<ReportCounts> counts() throws IOException {
        if (report != null && Files.exists(report)) {
            return Optional.of(ReportCounts.read(report));
        }
        return execution == null ? Optional.empty() : RunHistory.completedCounts(execution);
    }
}
