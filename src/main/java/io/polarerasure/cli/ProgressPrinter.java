package io.polarerasure.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.polarerasure.job.Progress;
import io.polarerasure.report.Outcome;

/**
 * Prints a progress line every few seconds while a run goes: rows done of total, rate, time left and the
 * outcomes so far. Plain lines for logs and schedulers' journals; on a terminal one live line, redrawn in place.
 */
final class ProgressPrinter {

    private final ScheduledExecutorService timer;
    private final Line line;

    private ProgressPrinter(ScheduledExecutorService timer, Line line) {
        this.timer = timer;
        this.line = line;
    }

    /**
     * Starts printing to {@code out} every {@code every}; a zero interval prints nothing.
     *
     * @param live redraw one line in place (a terminal) instead of printing a line each time (a log)
     */
    static ProgressPrinter start(Progress progress, long total, Duration every, Clock clock, PrintWriter out,
                                 boolean live) {
        Line line = new Line(out, live);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "polar-erasure-progress");
            thread.setDaemon(true);
            return thread;
        });
        if (!every.isZero()) {
            Instant started = clock.instant();
            timer.scheduleAtFixedRate(
                    () -> line.show(line(progress.snapshot(), total, Duration.between(started, clock.instant()))),
                    every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        }
        return new ProgressPrinter(timer, line);
    }

    /** Where progress goes: a new line each time, or one line redrawn with a carriage return. */
    static final class Line {

        private final PrintWriter out;
        private final boolean live;
        private int shown;

        Line(PrintWriter out, boolean live) {
            this.out = out;
            this.live = live;
        }

        synchronized void show(String text) {
            if (live) {
                // Pad with spaces so a shorter line fully covers the longer one before it.
                out.print("\r" + text + " ".repeat(Math.max(0, shown - text.length())));
                shown = text.length();
            } else {
                out.println(text);
            }
            out.flush();
        }

        /** Ends a live line so that what follows starts on a line of its own. */
        synchronized void end() {
            if (live && shown > 0) {
                out.println();
                out.flush();
                shown = 0;
            }
        }
    }

    /** e.g. {@code progress: 1200/5000 rows (24.0%), 4.9 rows/s, about 12 min 55 s left; DELETED 1100, ...}. */
    static String line(Progress.Snapshot snapshot, long total, Duration elapsed) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "progress: %d/%d rows (%.1f%%)",
                snapshot.done(), total, total == 0 ? 100.0 : 100.0 * snapshot.done() / total));
        double perSecond = elapsed.toMillis() == 0 ? 0 : snapshot.doneNow() * 1000.0 / elapsed.toMillis();
        line.append(String.format(Locale.ROOT, ", %.1f rows/s", perSecond));
        if (perSecond > 0) {
            long left = Math.max(0, total - snapshot.done());
            line.append(", about ").append(human(Duration.ofSeconds(Math.round(left / perSecond)))).append(" left");
        }
        String separator = "; ";
        for (Map.Entry<Outcome, Long> count : snapshot.countsNow().entrySet()) {
            line.append(separator).append(count.getKey()).append(' ').append(count.getValue());
            separator = ", ";
        }
        if (snapshot.done() > snapshot.doneNow()) {
            line.append(snapshot.countsNow().isEmpty() ? "; " : " ").append("(counts of this session)");
        }
        return line.toString();
    }

    static String human(Duration duration) {
        long seconds = duration.toSeconds();
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return seconds / 60 + " min " + seconds % 60 + " s";
        }
        return seconds / 3600 + " h " + seconds % 3600 / 60 + " min";
    }

    void stop() {
        timer.shutdownNow();
        line.end();
    }
}
