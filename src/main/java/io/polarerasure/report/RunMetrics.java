package io.polarerasure.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * The last run's metrics in Prometheus' text exposition format, for node_exporter's textfile collector (the usual
 * way to watch batch jobs): written whole to a temporary file in the same folder, then renamed over the old one,
 * so the collector never reads half a file. Readable by all (the collector runs as another user): it holds counts
 * and times only, no external ID.
 */
public final class RunMetrics {

    static final String LAST_SUCCESS = "polar_erasure_last_success_time_seconds";

    /** Outcomes a run's report can hold (WOULD_DELETE is a dry run's). */
    private static final EnumSet<Outcome> RUN_OUTCOMES = EnumSet.complementOf(EnumSet.of(Outcome.WOULD_DELETE));

    private RunMetrics() {
    }

    /**
     * One invocation of {@code run}.
     *
     * @param endedAt   when it ended
     * @param took      how long it ran
     * @param exitCode  its exit code (README's table)
     * @param completed whether the run is complete (exit 0 or 1): then it counts as the last success
     * @param runId     the run's id in the job repository (same across resumes); empty if it never got one
     * @param counts    the rows of its report by outcome; empty if no report was read
     */
    public record Run(Instant endedAt, Duration took, int exitCode, boolean completed, Optional<Long> runId,
                      Optional<ReportCounts> counts) {
    }

    /**
     * Writes {@code run}'s metrics to {@code file}, keeping the previous file's last success time when this run is
     * no success.
     *
     * @throws IOException if the folder is not writable; the old file is then left as it was
     */
    public static void write(Path file, Run run) throws IOException {
        Optional<Double> lastSuccess = run.completed() ? Optional.of(seconds(run.endedAt())) : previousSuccess(file);
        MetricSnapshots.Builder metrics = MetricSnapshots.builder()
                .metricSnapshot(gauge("polar_erasure_last_run_end_time_seconds",
                        "When the last run of polar-erasure ended (Unix time).", seconds(run.endedAt())))
                .metricSnapshot(gauge("polar_erasure_last_run_duration_seconds",
                        "How long the last run took.", run.took().toMillis() / 1000.0))
                .metricSnapshot(gauge("polar_erasure_last_run_exit_code",
                        "Exit code of the last run: 0 completed, 1 completed with FAILED or REVIEW rows, 2 rejected"
                                + " before sending, 3 stopped or failed part-way, 4 refused by Polar.",
                        run.exitCode()));
        run.runId().ifPresent(id -> metrics.metricSnapshot(gauge("polar_erasure_last_run_id",
                "Job repository id of the last run (the same across its resumes).", id)));
        lastSuccess.ifPresent(time -> metrics.metricSnapshot(gauge(LAST_SUCCESS,
                "When a run last completed (exit 0 or 1; Unix time), kept across failed runs.", time)));
        run.counts().ifPresent(counts -> {
            GaugeSnapshot.Builder rows = GaugeSnapshot.builder().name("polar_erasure_last_run_rows")
                    .help("Rows of the last run's report by outcome.");
            for (Outcome outcome : RUN_OUTCOMES) {
                rows.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("outcome", outcome.name()))
                        .value(counts.get(outcome)).build());
            }
            metrics.metricSnapshot(rows.build());
        });
        replace(file, metrics.build());
    }

    private static void replace(Path file, MetricSnapshots metrics) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        Path partial = Files.createTempFile(folder, "." + file.getFileName() + ".", ".partial");
        try {
            try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(channel)) {
                PrometheusTextFormatWriter.create().write(out, metrics);
                out.flush();
                channel.force(true);
            }
            Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** The last success time of the file an earlier run wrote, if it holds one. */
    static Optional<Double> previousSuccess(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            return Optional.empty(); // no earlier file (or unreadable): no success known
        }
        return lines.stream().filter(line -> line.startsWith(LAST_SUCCESS + " "))
                .map(line -> line.substring(LAST_SUCCESS.length() + 1).strip())
                .flatMap(value -> {
                    try {
                        return java.util.stream.Stream.of(Double.parseDouble(value));
                    } catch (NumberFormatException e) {
                        return java.util.stream.Stream.empty();
                    }
                })
                .findFirst();
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
    }

    private static double seconds(Instant time) {
        return time.toEpochMilli() / 1000.0;
    }
}
