package io.polarerasure.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.polarerasure.job.Progress;
import io.polarerasure.kernel.Durations;
import io.polarerasure.polar.Rate;
import io.polarerasure.polar.SendingState;
import io.polarerasure.report.Outcome;

/**
 * Prints a progress line every few seconds while a run goes: rows answered of total (committed or not), the rate
 * over the last minute, time left at the configured rate, the outcomes so far and, when nothing is being sent,
 * what the run waits for. Plain lines for logs and schedulers' journals; on a terminal one live line, redrawn in
 * place.
 */
final class ProgressPrinter {

    /** How often the live status is refreshed. */
    static final Duration TICK = Duration.ofSeconds(2);
    private static final DateTimeFormatter CLOCK_TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

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
        return start(progress, total, every, clock, out, live, null, Optional::empty, ignored -> { });
    }

    /**
     * As {@link #start(Progress, long, Duration, Clock, PrintWriter, boolean)}, with time left from the configured
     * rate, what the run waits for, and every {@link #TICK} the snapshot handed to {@code tick} (the live status
     * file), whether or not lines are printed.
     *
     * @param rate    the configured rate, for time left; null to estimate from the rate seen
     * @param waiting what the run waits for now, if anything
     */
    static ProgressPrinter start(Progress progress, long total, Duration every, Clock clock, PrintWriter out,
                                 boolean live, Rate rate, Supplier<Optional<SendingState.Waiting>> waiting,
                                 Consumer<Progress.Snapshot> tick) {
        Line line = new Line(out, live);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "polar-erasure-progress");
            thread.setDaemon(true);
            return thread;
        });
        Instant started = clock.instant();
        if (!every.isZero()) {
            timer.scheduleAtFixedRate(() -> line.show(line(progress, total, Duration.between(started,
                            clock.instant()), rate, waiting.get(), clock)),
                    every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        }
        timer.scheduleWithFixedDelay(() -> {
            try {
                tick.accept(progress.snapshot());
            } catch (RuntimeException e) {
                // The live status is a convenience; a full disk must not stop progress lines.
            }
        }, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
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

    /** The line before a rate or a wait is known; see the full form. */
    static String line(Progress.Snapshot snapshot, long total, Duration elapsed) {
        return line(snapshot, total, elapsed, null, Optional.empty(), Clock.systemDefaultZone());
    }

    /**
     * e.g. {@code progress: 1200/5000 rows answered (24.0%), 1100 in the report; 300/min over the last minute,
     * about 12 min 40 s left at 300/min; DELETED 1100, FAILED 50; paused 60 s for Polar's rate limit (429),
     * resuming 02:31:10}. Only rows Polar answered count as answered (also before their checkpoint); rows settled
     * without an answer (invalid, duplicate, or every request unanswered) are counted apart. Until Polar's first
     * answer of this invocation the line says {@code waiting for the first answer} instead of a rate, so a URL
     * that never answers shows no progress. Time left uses the configured rate, or the rate seen over the last
     * minute (or since the start, in the first minute) where that is slower; a wait shows only while it lasts.
     */
    static String line(Progress.Snapshot snapshot, long total, Duration elapsed, Rate rate,
                       Optional<SendingState.Waiting> waiting, Clock clock) {
        long answered = snapshot.answeredByPolar();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "progress: %d/%d rows answered (%.1f%%)",
                answered, total, total == 0 ? 100.0 : 100.0 * answered / total));
        long withoutAnswer = snapshot.answered() - answered;
        if (withoutAnswer > 0) {
            line.append(", ").append(withoutAnswer).append(" settled without an answer");
        }
        if (snapshot.done() != snapshot.answered()) {
            line.append(", ").append(snapshot.done()).append(" in the report");
        }
        long left = Math.max(0, total - snapshot.answered());
        Instant now = clock.instant();
        // A pause (a 429, a backoff) with an end delays every row left: time left counts from its end.
        Duration pause = waiting.flatMap(SendingState.Waiting::until).filter(now::isBefore)
                .map(until -> Duration.between(now, until)).orElse(Duration.ZERO);
        if (snapshot.answeredByPolarNow() == 0 && left > 0) {
            line.append("; waiting for the first answer (").append(Durations.human(elapsed)).append(" so far)");
        } else {
            rate(line, snapshot, left, elapsed, rate, pause);
        }
        String separator = "; ";
        for (Map.Entry<Outcome, Long> count : snapshot.countsNow().entrySet()) {
            line.append(separator).append(count.getKey()).append(' ').append(count.getValue());
            separator = ", ";
        }
        if (snapshot.done() > snapshot.doneNow() && !snapshot.countsNow().isEmpty()) {
            line.append(" (counts of this session)");
        }
        waiting.filter(wait -> wait.until().map(now::isBefore).orElse(true)).ifPresent(wait -> {
            line.append("; ").append(wait.description());
            wait.until().ifPresent(until -> line.append(", resuming ")
                    .append(CLOCK_TIME.format(until.atZone(clock.getZone()))));
        });
        return line.toString();
    }

    /**
     * The line for the run now: while the step's end files the ledger (rows answered no longer move), how far that
     * is, e.g. {@code progress: 100000/100000 rows answered; filing the ledger: 40,000 of 100,000 answers} (before
     * any answer, as a resume files what a killed execution left: {@code progress: filing the ledger: ...}); else
     * {@link #line(Progress.Snapshot, long, Duration, Rate, Optional, Clock)}.
     */
    static String line(Progress progress, long total, Duration elapsed, Rate rate,
                       Optional<SendingState.Waiting> waiting, Clock clock) {
        Progress.Snapshot snapshot = progress.snapshot();
        // Before any answer: a resume filing what a killed execution left, before its rows are counted.
        return progress.filingLine().map(filing -> snapshot.answeredByPolar() == 0 ? "progress: " + filing
                : String.format(Locale.ROOT, "progress: %d/%d rows answered; %s", snapshot.answeredByPolar(), total,
                filing)).orElseGet(() -> !progress.started() && snapshot.answered() == 0
                ? "progress: starting the run (its report and job repository; " + Durations.human(elapsed)
                        + " so far); a resumed run counts the rows of its earlier sessions once it starts"
                // Timed from the step's start: a resume may have filed a killed session's answers before it.
                : line(snapshot, total, progress.sinceStart().filter(step -> step.compareTo(elapsed) < 0)
                        .orElse(elapsed), rate, waiting, clock));
    }

    /** The rate over the last minute and the time left, once Polar has answered. */
    private static void rate(StringBuilder line, Progress.Snapshot snapshot, long left, Duration elapsed, Rate rate,
                             Duration pause) {
        // Over the last minute once a minute has passed; before that, over the time elapsed.
        double seconds = Math.min(60, elapsed.toMillis() / 1000.0);
        double perMinute = seconds <= 0 ? 0 : snapshot.answeredLastMinute() * 60 / seconds;
        line.append(String.format(Locale.ROOT, "; %.0f/min over the last %s", perMinute,
                elapsed.toSeconds() >= 60 ? "minute" : Durations.human(elapsed)));
        double configured = rate == null ? 0 : rate.requests() * 60e9 / rate.per().toNanos();
        if (left <= 0) {
            return;
        }
        // The pause under way plus the rest at the configured rate; or the rest at the rate seen (pauses included)
        // where that takes longer: a limit far above what Polar or this machine gives, or Polar's 429s, would
        // otherwise promise the configured rate ("about 0 s left at 1000000/s").
        Duration atConfigured = configured == 0 ? null : pause.plusSeconds(Math.round(left * 60 / configured));
        Duration atSeen = perMinute <= 0 ? null : Duration.ofSeconds(Math.round(left * 60 / perMinute));
        boolean seen = atSeen != null && (atConfigured == null || atSeen.compareTo(atConfigured) > 0);
        Duration estimate = seen ? atSeen : atConfigured;
        if (estimate != null) {
            line.append(", about ").append(Durations.human(estimate)).append(" left");
            if (rate != null) {
                line.append(seen ? " at the rate seen" : " at " + rate);
            }
        }
    }

    /**
     * Stops printing, once a line or live status being written has been: a live status written after the caller
     * deleted it would show the run as still running ({@code status}), for as long as this process lives.
     */
    void stop() {
        timer.shutdown(); // cancels the periodic tasks; one under way finishes
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        line.end();
    }
}
