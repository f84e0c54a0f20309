package io.polarerasure.job;

import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.polarerasure.report.AuditLine;
import io.polarerasure.report.Outcome;

import org.springframework.batch.core.listener.ItemWriteListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;

/**
 * Counts rows as the workers answer them and as the step writes them to the report, for progress lines and the
 * live status while a run goes. Written by the step's threads, read by any: a snapshot may count a chunk whose
 * commit then fails, which is fine for progress and why the report, not this, is the record.
 */
public final class Progress implements StepExecutionListener, ItemWriteListener<AuditLine> {

    /**
     * @param done               rows in the report (committed), including those of earlier invocations of a
     *                           resumed run
     * @param doneNow            rows written by this invocation
     * @param countsNow          outcomes written by this invocation, in report order
     * @param answered           rows with their outcome decided (answered, or settled without a request), committed
     *                           or not, including the rows of earlier invocations up to their checkpoint
     * @param answeredLastMinute rows Polar answered in the last 60 seconds (an HTTP answer, not merely a request
     *                           sent)
     * @param answeredByPolar    rows of {@code answered} that Polar answered (the row's line has an HTTP status),
     *                           with the rows of earlier invocations up to their checkpoint; rows settled without a
     *                           request (INVALID, DUPLICATE) or whose requests all went unanswered are not counted
     */
    public record Snapshot(long done, long doneNow, Map<Outcome, Long> countsNow, long answered,
                           long answeredLastMinute, long answeredByPolar) {

        /** Where every decided row was answered by Polar. */
        public Snapshot(long done, long doneNow, Map<Outcome, Long> countsNow, long answered,
                        long answeredLastMinute) {
            this(done, doneNow, countsNow, answered, answeredLastMinute, answered);
        }

        /** Before the first answer, or where only committed rows are known. */
        public Snapshot(long done, long doneNow, Map<Outcome, Long> countsNow) {
            this(done, doneNow, countsNow, done, 0);
        }

        public Snapshot {
            Map<Outcome, Long> ordered = new EnumMap<>(Outcome.class);
            ordered.putAll(countsNow);
            countsNow = Collections.unmodifiableMap(ordered);
        }

        /** Rows Polar answered in this invocation: none yet means the run still waits for its first answer. */
        public long answeredByPolarNow() {
            return Math.max(0, answeredByPolar - (done - doneNow));
        }
    }

    private final AtomicLong before = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLongArray byOutcome = new AtomicLongArray(Outcome.values().length);
    private final AtomicLong answeredNow = new AtomicLong();
    private final AtomicLong answeredByPolarNow = new AtomicLong();
    private volatile String reportFile;
    /** When the step began (epoch ms), or -1: the rows before a resumed run's checkpoint count from then on. */
    private volatile long stepStarted = -1;
    private final Clock clock;
    /** Polar's answers per second over the last minute: {@code perSecond[s % 60]} counts second {@code second[s % 60]}. */
    private final long[] perSecond = new long[60];
    private final long[] second = new long[60];

    /** Progress timed by the system clock. */
    public Progress() {
        this(Clock.systemUTC());
    }

    /** @param clock times the answers, for the rate over the last minute */
    public Progress(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        // A resumed step starts from its last checkpoint, the reader's count of rows in the report.
        before.set(stepExecution.getExecutionContext().getInt(RunHistory.ROWS_DONE, 0));
        stepStarted = clock.millis();
        reportFile = stepExecution.getJobExecution().getJobParameters()
                .getString(ErasureJobConfiguration.REPORT_FILE);
    }

    /** The report this run writes, once its step has started. */
    public Optional<String> reportFile() {
        return Optional.ofNullable(reportFile);
    }

    /**
     * Counts a row whose outcome is decided, on its worker as soon as it is ({@link ChunkWorkers}); towards the rate only a row Polar answered: a row settled without a
     * request, or whose requests met only silence, is no answer (a URL that never answers must show none).
     */
    public void answered(AuditLine result) {
        answeredNow.incrementAndGet();
        if (result.httpStatus() == null) {
            return;
        }
        answeredByPolarNow.incrementAndGet();
        long now = clock.millis() / 1000;
        synchronized (perSecond) {
            int slot = (int) (now % 60);
            if (second[slot] != now) {
                second[slot] = now;
                perSecond[slot] = 0;
            }
            perSecond[slot]++;
        }
    }

    @Override
    public void afterWrite(Chunk<? extends AuditLine> items) {
        for (AuditLine line : items) {
            byOutcome.incrementAndGet(line.outcome().ordinal());
        }
        written.addAndGet(items.size());
    }

    private volatile long filed = -1;
    private volatile long toFile;

    /**
     * Tells that ledger pages are being filed (at the step's end, or as a run starts and files what killed executions
     * left): {@code filed} of {@code total} answers so far; safe from any thread.
     */
    public void filing(long filed, long total) {
        this.toFile = total;
        this.filed = filed;
    }

    /** Tells that the filing of the ledger ended (or never began). */
    public void filingDone() {
        this.filed = -1;
    }

    /**
     * While the step's end files the ledger, what to show instead of the rows' progress (which is at 100 % then),
     * e.g. {@code filing the ledger: 40,000 of 100,000 answers}; else empty.
     */
    public Optional<String> filingLine() {
        long now = filed;
        return now < 0 ? Optional.empty() : Optional.of(String.format(Locale.ROOT,
                "filing the ledger: %,d of %,d answers", now, toFile));
    }

    /**
     * Whether the run's step began. Before, the run is starting (its report and job repository checked, what killed
     * executions left filed), and a resumed run's rows before its checkpoint are not counted yet.
     */
    public boolean started() {
        return stepStarted >= 0;
    }

    /** How long the run's step has been going, or empty before it began. */
    public Optional<Duration> sinceStart() {
        long started = stepStarted;
        return started < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(Math.max(0, clock.millis() - started)));
    }

    /** What has been answered and written so far; safe from any thread. */
    public Snapshot snapshot() {
        Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            long count = byOutcome.get(outcome.ordinal());
            if (count > 0) {
                counts.put(outcome, count);
            }
        }
        long now = written.get();
        long lastMinute = 0;
        long second = clock.millis() / 1000;
        synchronized (perSecond) {
            for (int i = 0; i < 60; i++) {
                if (second - this.second[i] < 60) {
                    lastMinute += perSecond[i];
                }
            }
        }
        // A row is written only after it was answered; the max covers rows answered before this invocation.
        long decided = Math.max(now, answeredNow.get());
        return new Snapshot(before.get() + now, now, counts, before.get() + decided, lastMinute,
                before.get() + Math.min(decided, answeredByPolarNow.get()));
    }
}
