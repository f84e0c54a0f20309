package io.polarerasure.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import javax.sql.DataSource;

import io.polarerasure.input.RequestOptions;
import io.polarerasure.input.RequestScan;
import io.polarerasure.input.ScanResult;
import io.polarerasure.job.DryRun;
import io.polarerasure.job.ErasureJobConfiguration;
import io.polarerasure.job.ErasureLauncher;
import io.polarerasure.job.ErasureRun;
import io.polarerasure.job.InputSnapshot;
import io.polarerasure.job.NormalPath;
import io.polarerasure.job.LiveStatus;
import io.polarerasure.job.Progress;
import io.polarerasure.job.ReportClaims;
import io.polarerasure.job.ReportTakeover;
import io.polarerasure.job.RunConflictException;
import io.polarerasure.job.ProofOfErasure;
import io.polarerasure.job.RunEnding;
import io.polarerasure.job.RunHistory;
import io.polarerasure.job.RunIdentity;
import io.polarerasure.job.RunLease;
import io.polarerasure.job.RunLeasedException;
import io.polarerasure.job.RunLock;
import io.polarerasure.job.StopSignal;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.polar.Eraser;
import io.polarerasure.polar.InFlightLimit;
import io.polarerasure.polar.PolarEnvironment;
import io.polarerasure.polar.PolarSettings;
import io.polarerasure.polar.Rate;
import io.polarerasure.polar.SendingState;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ConfigurableApplicationContext;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code run}: erases every customer of a request file, or resumes the file's unfinished run. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Erase (anonymize and delete) the Polar customer of every row of a request file and write"
                + " an audit report. Re-running the same command resumes an interrupted run; a file whose run"
                + " completed is not sent again.",
                "The access token is read from the POLAR_ACCESS_TOKEN environment variable or --token-file."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:the run completed; every row is DELETED, NOT_FOUND, INVALID or DUPLICATE",
                "1:the run completed but rows are FAILED or REVIEW: run retry-failed, and check each REVIEW row",
                "2:usage, input or configuration error found before anything was sent (also: another process runs"
                        + " the file, the report was changed or belongs to another run)",
                "3:the run stopped or failed part-way (SIGTERM, Polar unavailable); re-run the same command to"
                        + " resume",
                "4:not talking to Polar: the token was refused (401/403), the endpoint is wrong (no route, not Polar"
                        + " at all), or the other environment answered; fix it, then re-run the same command"})
final class RunCommand implements Callable<Integer> {

    /**
     * A chunk waits for its slowest request before the next one starts, which idles the rate budget
     * for about one latency per chunk; chunks of several seconds keep that loss near 2 %, while a
     * graceful stop still waits for at most one chunk.
     */
    static final int CHUNK_SECONDS = 8;

    /**
     * Under {@code --concurrency auto} a chunk holds about a minute of requests: at Polar's 1.5 s on a slow day the
     * wait for a chunk's slowest request (about 2 s) then costs about 3 % of the rate instead of 20 % with 8 s
     * chunks. Restart is unchanged: rows after the checkpoint are in the journal.
     */
    static final int AUTO_CHUNK_SECONDS = 60;

    /** The most rows a chunk may hold, by default and with {@code --chunk-size}. */
    static final int MAX_CHUNK_SIZE = 10_000;

    /** The most requests in flight under {@code --concurrency auto}, and its worker pool's size. */
    static final int AUTO_CONCURRENCY_CAP = 32;

    @Spec
    CommandSpec spec;

    @Mixin
    RunOptions options;

    @Mixin
    StateOptions state;

    private final Map<String, String> environment;
    private final Clock clock;

    RunCommand(Map<String, String> environment, Clock clock) {
        this.environment = environment;
        this.clock = clock;
    }

    @Override
    public Integer call() throws Exception {
        MetricsRecording metrics = MetricsRecording.start(options.metricsFile, options.dryRun, clock);
        int code = ExitCodes.RESUMABLE;
        try {
            code = erase(metrics);
            return code;
        } catch (Exception e) {
            code = PolarErasureCommand.exitCodeOf(e);
            throw e;
        } finally {
            // Written already where a stop signal waits for the run (see erase); this covers every other way out.
            metrics.finish(code, spec.commandLine().getErr());
        }
    }

    @SuppressWarnings("try") // the run lock and lease are held by being open, never read
    private int erase(MetricsRecording metrics) throws Exception {
        PrintWriter out = ResumeHints.of(environment).wrap(spec.commandLine().getOut());
        options.check();
        Path input = options.input;
        Instant started = clock.instant();
        RequestOptions reading = options.requestOptions();
        if (options.dryRun) {
            ScanResult scan = RequestScan.scan(input, reading);
            return plan(scan, out);
        }
        PolarSettings settings = options.polarSettings();
        options.tokenFile = AccessToken.defaultFile(options.tokenFile, environment);
        String token = AccessToken.read(options.tokenFile, environment);
        options.checkTokenKind(token, settings);
        Path stateDir = state.ownerOnlyStateDir();
        // Before the input is copied into the state folder: a refused repository leaves nothing behind.
        state.checkEmbeddedRepository();
        options.checkReportFolder();
        ScanResult scan = RequestScan.scan(input, reading);
        checkRetryApi(input, scan, settings.baseUrl()).ifPresent(note -> out.println("Note: " + note));
        // The run reads its own copy, checked to hold exactly the bytes scanned: nothing done to the file from
        // now on (rewritten, renamed over, deleted) reaches the run.
        InputSnapshot.Copy copy = InputSnapshot.copy(input, stateDir);
        if (!copy.sha256().equals(scan.sha256())) {
            Files.deleteIfExists(copy.file());
            throw new UsageException(input + " changed while it was being read (SHA-256 " + scan.sha256()
                    + " when checked, " + copy.sha256() + " when copied). If an export is still writing it, wait"
                    + " until it is done, then run again. Nothing was sent.");
        }
        RunIdentity identity = new RunIdentity(scan.sha256(), settings.baseUrl());
        Eraser eraser = Eraser.create(settings, token, AccessToken.source(options.tokenFile), "polar-erasure/"
                + PolarErasureCommand.version());
        int concurrency = options.concurrency();
        if (options.autoConcurrency()) {
            eraser.limitInFlight(InFlightLimit.auto(settings.rate(), concurrency));
        }
        int rowsPerChunk = options.rowsPerChunk(settings.rate());
        Path snapshot = InputSnapshot.fileFor(stateDir, identity.key());
        ErasureRun run = new ErasureRun(scan, options.idColumn, eraser, clock, concurrency, rowsPerChunk, stateDir,
                identity, snapshot);
        RunLease lease = new RunLease(identity.key(), Duration.ofSeconds(options.leaseSeconds));
        eraser.requirePermit(lease);

        StopSignal stopSignal = new StopSignal(eraser);
        Progress progress = new Progress();
        RunLock lock = null;
        try {
            lock = RunLock.acquire(stateDir, identity.key());
            InputSnapshot.place(copy, snapshot);
        } catch (RuntimeException | java.io.IOException e) {
            Files.deleteIfExists(copy.file());
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
        // Only now: its shutdown hook waits for the run, so every way out from here on must call finished().
        GracefulStop stop = new GracefulStop(stopSignal::request, 120);
        int code = ExitCodes.RESUMABLE;
        try (RunLock held = lock;
             ConfigurableApplicationContext context = SpringContexts.openRepository(state, concurrency + 4,
                     Map.of("erasureRun", run, "stopSignal", stopSignal, "progress", progress, "runLease", lease),
                     ErasureJobConfiguration.class);
             RunLease leased = acquire(lease, context)) {
            ErasureLauncher launcher = new ErasureLauncher(context.getBean(JobOperator.class),
                    context.getBean(JobRepository.class), context.getBean(Job.class), new ReportTakeover(
                    context.getBean(JobRepository.class), context.getBean(DataSource.class), stateDir, clock),
                    new ReportClaims(context.getBean(DataSource.class)));
            out.printf("polar-erasure %s: %s (%d row%s%s, sha256 %s) -> %s (%s) at %s, concurrency %s, chunk size %d%n"
                            + "  job repository: %s%n",
                    PolarErasureCommand.version(), input, scan.rows(), scan.rows() == 1 ? "" : "s", skipped(scan),
                    scan.sha256(), settings.baseUrl(),
                    identity.environment(), settings.rate(), options.autoConcurrency() ? "auto (up to " + concurrency
                            + ")" : concurrency, rowsPerChunk, state.describe());
            out.flush();
            // A live line only where a person watches: a terminal, not a log file or a scheduler's journal.
            boolean live = System.console() != null && !"dumb".equals(environment.get("TERM"));
            String host = RunLease.hostName();
            Instant invoked = clock.instant();
            ProgressPrinter printer = ProgressPrinter.start(progress, scan.rows(),
                    Duration.ofSeconds(options.progressSeconds), clock, spec.commandLine().getErr(), live,
                    settings.rate(), eraser.sendingState()::current, now -> liveStatus(now, identity, host, invoked,
                            scan.rows(), settings, progress, eraser).write(stateDir));
            ErasureLauncher.Launch launch;
            try {
                launch = launcher.launch(input, options.report, number -> sibling(input, number == 0 ? ".audit.csv"
                                : ".rerun-" + number + ".audit.csv"), options.idColumn, identity, options.rerun,
                        new ErasureLauncher.Details(scan.rows(), scan.skipped(), settings.rate().toString(),
                                reading));
            } finally {
                printer.stop();
                LiveStatus.delete(stateDir, identity.key());
            }
            metrics.ran(launch.execution(), Path.of(launch.reportFile()));
            if (launch.alreadyComplete()) {
                InputSnapshot.delete(snapshot); // no execution of a finished run reads it
            }
            RunEnding ending = RunEnding.of(launch, options.report, Duration.between(started, clock.instant()));
            out.printf("%s", ending.words()); // through format: nightly's hints fit it
            if (ending.outOfMemory()) {
                out.flush();
                return code = PolarErasureCommand.outOfMemory(spec.commandLine().getErr());
            }
            code = ending.exitCode();
            ProofOfErasure.record(new RunHistory(context.getBean(JobRepository.class)).of(identity).orElseThrow(),
                    launch.alreadyComplete(), code, clock, out,
                    ProofOfErasure.Provenance.of(PolarErasureCommand.version(), state.describe(),
                            state.jdbcUrl != null ? context.getBean(DataSource.class) : null, state.stateDir()));
            return code;
        } catch (RuntimeException e) {
            code = PolarErasureCommand.exitCodeOf(e);
            if (e instanceof RunConflictException || e instanceof RunLeasedException) {
                // Refused before anything ran: the copy of the input (customers' IDs) must not linger. The next
                // invocation copies the input again.
                Files.deleteIfExists(snapshot);
            }
            throw e;
        } finally {
            out.flush();
            // Before finished(): a stop signal's hook ends the JVM as soon as the run has finished.
            metrics.finish(code, spec.commandLine().getErr());
            stop.finished(code);
        }
    }

    /** What {@code status} shows of this run while it holds the embedded repository. */
    private LiveStatus liveStatus(Progress.Snapshot snapshot, RunIdentity identity, String host, Instant invoked,
                                  long total, PolarSettings settings, Progress progress, Eraser eraser) {
        Map<String, Long> counts = new java.util.LinkedHashMap<>();
        snapshot.countsNow().forEach((outcome, count) -> counts.put(outcome.name(), count));
        Optional<SendingState.Waiting> waiting = eraser.sendingState().current()
                .filter(wait -> wait.until().map(clock.instant()::isBefore).orElse(true));
        return new LiveStatus(identity.key(), host, ProcessHandle.current().pid(),
                options.input.toAbsolutePath().normalize().toString(),
                progress.reportFile().orElse(null), settings.baseUrl(), settings.rate().toString(), invoked,
                clock.instant(), total, snapshot.answered(), snapshot.done(), snapshot.answeredLastMinute(), counts,
                waiting.map(SendingState.Waiting::description).orElse(null),
                waiting.flatMap(SendingState.Waiting::until).orElse(null));
    }

    /** e.g. {@code ", 1,247 empty records skipped"}: not rows, so not in the report. */
    static String skipped(ScanResult scan) {
        return scan.skipped() == 0 ? "" : String.format(", %,d empty record%s skipped", scan.skipped(),
                scan.skipped() == 1 ? "" : "s");
    }

    /** Takes the run's lease before anything is sent; another live holder is refused (exit 2). */
    private static RunLease acquire(RunLease lease, ConfigurableApplicationContext context) {
        lease.acquire(context.getBean(DataSource.class));
        return lease;
    }

    private int plan(ScanResult scan, PrintWriter out) throws Exception {
        Path input = options.input;
        // First: a wrong --api-url or --rate-limit is refused before anything is written or printed.
        Rate rate = options.polarSettings().rate();
        Path plan = sibling(input, ".plan.csv");
        DryRun.writePlan(scan, options.idColumn, plan, clock);
        out.printf("Dry run of %s (%d row%s%s, sha256 %s): nothing was sent.%n", input, scan.rows(),
                scan.rows() == 1 ? "" : "s", skipped(scan), scan.sha256());
        PlanOverview.print(plan, rate, out);
        out.printf("  plan: %s%n", plan.toAbsolutePath());
        return ExitCodes.OK;
    }

    /**
     * Checks a retry file's original API ({@code original_api_url}) against this run's. A retry file of a run
     * against one of Polar's environments run against the other (a sandbox trial's failures sent to production, or
     * the reverse) is refused: those rows were asked of the other environment, and their doubt concerns it. Any other
     * difference is allowed and said (after a wrong URL, the documented way on is the retry file run against the
     * right one: jobs/README.md, "After a wrong URL").
     *
     * @param apiUrl this run's API root, such as {@code https://api.polar.sh}
     * @return a note for the run's output when the APIs differ, or empty
     * @throws UsageException naming both APIs and what to do; nothing was sent
     */
    static Optional<String> checkRetryApi(Path input, ScanResult scan, String apiUrl) {
        PolarEnvironment here = PolarEnvironment.of(apiUrl);
        for (String original : scan.retryApis()) {
            PolarEnvironment there = PolarEnvironment.of(original);
            if (here != PolarEnvironment.OTHER && there != PolarEnvironment.OTHER && here != there) {
                throw new UsageException(input + " is a retry file of a run against Polar " + there.label() + " ("
                        + original + ", its original_api_url column), but this run is against Polar " + here.label()
                        + " (" + apiUrl + "). Run it with --api-url " + original + ". To ask " + here.label()
                        + " to erase these IDs, give that run a request file of their external_id column only (or"
                        + " the whole original file): this one ties each row to the run at " + original + ", and"
                        + " its rows in doubt to that environment. Nothing was sent.");
            }
        }
        List<String> elsewhere = scan.retryApis().stream().filter(original -> !sameApi(original, apiUrl)).toList();
        return elsewhere.isEmpty() ? Optional.empty() : Optional.of(input + " retries rows of a run against "
                + String.join(", ", elsewhere) + " (original_api_url); this run sends them to " + apiUrl + ".");
    }

    private static boolean sameApi(String first, String second) {
        return PolarSettings.normalise(first).equals(PolarSettings.normalise(second));
    }

    /**
     * About {@code seconds} of requests at the rate, at most {@link #MAX_CHUNK_SIZE} rows, at least twice the workers.
     * The cap only matters above 1,250 requests/s, far beyond any rate Polar allows: without a rate limit each chunk
     * boundary leaves the workers idle while the chunk commits, and chunks of 10,000 rows did 3-9 % more rows/s than
     * chunks of 1,000 (design.md, "Performance").
     */
    static int defaultChunkSize(Rate rate, int concurrency, int seconds) {
        double perSecond = 1e9 / rate.interval().toNanos();
        return (int) Math.max(2L * concurrency, Math.min(MAX_CHUNK_SIZE, Math.round(perSecond * seconds)));
    }

    static Path sibling(Path input, String extension) {
        String name = input.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        return NormalPath.of(input.toAbsolutePath().resolveSibling(base + extension));
    }
}
