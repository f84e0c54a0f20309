package io.polarerasure.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import javax.sql.DataSource;

import io.polarerasure.input.InputPath;
import io.polarerasure.input.RequestFile;
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
import io.polarerasure.job.ReportTakeover;
import io.polarerasure.job.RunConflictException;
import io.polarerasure.job.RunHistory;
import io.polarerasure.job.RunIdentity;
import io.polarerasure.job.RunLease;
import io.polarerasure.job.RunLeasedException;
import io.polarerasure.job.RunLock;
import io.polarerasure.job.StopSignal;
import io.polarerasure.kernel.Durations;
import io.polarerasure.polar.Eraser;
import io.polarerasure.polar.InFlightLimit;
import io.polarerasure.polar.PolarEnvironment;
import io.polarerasure.polar.PolarRefusedException;
import io.polarerasure.polar.PolarSettings;
import io.polarerasure.polar.PolarUnavailableException;
import io.polarerasure.polar.Rate;
import io.polarerasure.polar.SendingState;
import io.polarerasure.report.ReportCounts;
import io.polarerasure.report.ReportTamperedException;
import io.polarerasure.secrets.Redaction;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ConfigurableApplicationContext;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
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

    /** The most requests in flight under {@code --concurrency auto}, and its worker pool's size. */
    static final int AUTO_CONCURRENCY_CAP = 32;

    static final String PRODUCTION_URL = "https://api.polar.sh";
    static final String SANDBOX_URL = "https://sandbox-api.polar.sh";

    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE",
            description = "The request file: CSV with a header row (',', ';' or tab delimited; UTF-8, or UTF-16 with"
                    + " a BOM), or an .xlsx workbook.")
    Path input;

    @Option(names = "--report", paramLabel = "FILE",
            description = "The audit report. Default: next to the input, e.g. requests.csv -> requests.audit.csv."
                    + " Fixed at the first start of a file's run.")
    Path report;

    @Option(names = "--id-column", paramLabel = "NAME", defaultValue = "external_id",
            description = "Header of the column holding the external ID (default: ${DEFAULT-VALUE}).")
    String idColumn;

    @Option(names = "--no-header",
            description = "The file is a plain list of external IDs, one a line (the first column if delimited).")
    boolean noHeader;

    @Option(names = "--sheet", paramLabel = "NAME",
            description = "The sheet of an .xlsx workbook to read (default: the first one).")
    String sheet;

    @Option(names = "--id-pattern", paramLabel = "REGEX",
            description = "The shape of this merchant's external IDs (Java regex, matched against the whole ID), e.g."
                    + " '^usr_[a-z0-9]{6,}$': rows that do not match are INVALID and not sent.")
    String idPattern;

    @Option(names = "--api-url", paramLabel = "URL",
            description = "Polar API base URL (default: " + PRODUCTION_URL + ").")
    String apiUrl;

    @Option(names = "--sandbox", description = "Use Polar's sandbox (" + SANDBOX_URL + ").")
    boolean sandbox;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Read the access token from this file (writable by its owner only; readable by its owner"
                    + " only, or also by its group inside $CREDENTIALS_DIRECTORY) instead of POLAR_ACCESS_TOKEN."
                    + " Default: $CREDENTIALS_DIRECTORY/polar-token when systemd sets $CREDENTIALS_DIRECTORY.")
    Path tokenFile;

    @Option(names = "--allow-user-token",
            description = "Accept a token that is not an organization access token (polar_oat_...) against Polar's"
                    + " own hosts. A personal or OAuth user token makes Polar look IDs up in every organization"
                    + " the user can reach, and erase a match in the wrong one.")
    boolean allowUserToken;

    @Option(names = "--rate-limit", paramLabel = "N/min|N/s",
            description = "Requests per minute or second, retries included (default: 300/min, sandbox 80/min):"
                    + " leave headroom for the merchant's own traffic; Polar allows 500/min per organization"
                    + " (sandbox 100/min), and a higher limit is refused without --allow-rate-above-budget.")
    String rateLimit;

    @Option(names = "--allow-rate-above-budget",
            description = "Accept a --rate-limit above Polar's organization budget (500/min; sandbox 100/min), for"
                    + " an organization Polar has given a higher limit.")
    boolean allowRateAboveBudget;

    @Option(names = "--max-pause", paramLabel = "MINUTES", defaultValue = "15",
            description = "The longest a row waits across its 429 (rate limit) pauses, and the longest Retry-After"
                    + " the run sleeps through; beyond it the run stops, resumable, exit 3 (default:"
                    + " ${DEFAULT-VALUE}).")
    long maxPauseMinutes;

    @Option(names = "--polar-version", paramLabel = "YYYY-MM", defaultValue = "2026-04",
            description = "The Polar-Version header sent with every request: 2026-04 or 2026-10 (default:"
                    + " ${DEFAULT-VALUE}).")
    String polarVersion;

    @Option(names = "--concurrency", paramLabel = "N|auto", defaultValue = "auto",
            description = "Requests in flight at once; auto (the default) sizes it from the rate limit and the recent"
                    + " p90 latency (Little's law), up to " + AUTO_CONCURRENCY_CAP + ".")
    String concurrencyOption;

    /** Worker threads: the explicit --concurrency, or the cap of auto; set by checkOptions. */
    private int concurrency;

    @Option(names = "--max-attempts", paramLabel = "N", defaultValue = "6",
            description = "Requests per row at most, first one included (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--chunk-size", paramLabel = "N",
            description = "Rows per checkpoint (default: about " + AUTO_CHUNK_SECONDS + " s of requests at the"
                    + " rate limit with --concurrency auto, 300 at 300/min, else about " + CHUNK_SECONDS + " s; at"
                    + " least twice --concurrency; at most 1,000).")
    Integer chunkSize;

    @Option(names = "--progress", paramLabel = "SECONDS", defaultValue = "10",
            description = "Print a progress line to stderr this often; 0 for none (default: ${DEFAULT-VALUE}).")
    long progressSeconds;

    @Option(names = "--dry-run",
            description = "Validate everything and write a plan (requests.plan.csv) without sending anything."
                    + " Needs no token and does not count as a run of the file.")
    boolean dryRun;

    @Option(names = "--rerun",
            description = "Start a new run of a file whose run completed (or was abandoned): every ID is sent again,"
                    + " into a report of its own (default: requests.rerun-N.audit.csv; an existing report is never"
                    + " overwritten).")
    boolean rerun;

    @Option(names = "--allow-insecure-http",
            description = "Allow a plain http:// API URL to a host other than this machine (never in production).")
    boolean allowInsecureHttp;

    @Option(names = "--lease-seconds", paramLabel = "SECONDS", hidden = true, defaultValue = "120",
            description = "Advanced: seconds after its last renewal at which another process may take over a run"
                    + " whose holder stopped renewing (default: ${DEFAULT-VALUE}). Sending stops 5/12 of it after"
                    + " the last renewal; keep the default in production, where that leaves room for Polar's 60 s"
                    + " call timeout.")
    long leaseSeconds;

    @Option(names = "--metrics-file", paramLabel = "FILE",
            description = "Write the run's Prometheus metrics (end time, last success, duration, exit code, rows by"
                    + " outcome) to this file when it ends, e.g. into node_exporter's textfile collector folder."
                    + " Replaced whole each time; the last success time is kept from the file before.")
    Path metricsFile;

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
        MetricsRecording metrics = MetricsRecording.start(metricsFile, dryRun, clock);
        int code = ExitCodes.RESUMABLE;
        try {
            code = erase(metrics);
            return code;
        } catch (Exception e) {
            code = PolarErasureCommand.exitCodeOf(e);
            throw e;
        } finally {
            metrics.finish(code, spec.commandLine().getErr());
        }
    }

    @SuppressWarnings("try") // the run lock and lease are held by being open, never read
    private int erase(MetricsRecording metrics) throws Exception {
        PrintWriter out = ResumeHints.of(environment).wrap(spec.commandLine().getOut());
        Optional<String> unusable = InputPath.problem(input);
        if (unusable.isPresent()) {
            throw new UsageException(unusable.get());
        }
        if (sandbox && apiUrl != null) {
            throw new UsageException("--sandbox and --api-url contradict each other: give only one.");
        }
        checkOptions();
        Instant started = clock.instant();
        RequestOptions options = requestOptions();
        if (dryRun) {
            ScanResult scan = RequestScan.scan(input, options);
            return plan(scan, out);
        }
        PolarSettings settings = polarSettings();
        tokenFile = AccessToken.defaultFile(tokenFile, environment);
        String token = AccessToken.read(tokenFile, environment);
        if (PolarEnvironment.isPolarHost(settings.baseUrl()) && !token.startsWith(AccessToken.ORGANIZATION_PREFIX)
                && !allowUserToken) {
            throw new UsageException("The token in " + AccessToken.source(tokenFile) + " is not an organization"
                    + " access token (" + AccessToken.ORGANIZATION_PREFIX + "...). With a personal or OAuth user"
                    + " token Polar looks each ID up in every organization the user can reach and may erase a"
                    + " customer of the wrong one. Create an organization access token with customers:write"
                    + " (Settings > Developers in the organization's dashboard), or pass --allow-user-token if you"
                    + " really mean it. Nothing was sent.");
        }
        Path stateDir = state.ownerOnlyStateDir();
        checkReportFolder();
        ScanResult scan = RequestScan.scan(input, options);
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
        Eraser eraser = Eraser.create(settings, token, AccessToken.source(tokenFile), "polar-erasure/" + PolarErasureCommand.version());
        boolean auto = "auto".equals(concurrencyOption);
        if (auto) {
            eraser.limitInFlight(InFlightLimit.auto(settings.rate(), concurrency));
        }
        int rowsPerChunk = chunkSize != null ? chunkSize : defaultChunkSize(settings.rate(), concurrency,
                auto ? AUTO_CHUNK_SECONDS : CHUNK_SECONDS);
        Path snapshot = InputSnapshot.fileFor(stateDir, identity.key());
        ErasureRun run = new ErasureRun(scan, idColumn, eraser, clock, concurrency, rowsPerChunk, stateDir,
                identity, snapshot);
        RunLease lease = new RunLease(identity.key(), Duration.ofSeconds(leaseSeconds));
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
                    context.getBean(JobRepository.class), context.getBean(Job.class), stateDir, new ReportTakeover(
                    context.getBean(JobRepository.class), context.getBean(DataSource.class), stateDir, clock));
            out.printf("polar-erasure %s: %s (%d rows%s, sha256 %s) -> %s (%s) at %s, concurrency %s, chunk size %d%n"
                            + "  job repository: %s%n",
                    PolarErasureCommand.version(), input, scan.rows(), skipped(scan), scan.sha256(), settings.baseUrl(),
                    identity.environment(), settings.rate(), auto ? "auto (up to " + concurrency + ")"
                            : concurrency, rowsPerChunk, state.describe());
            out.flush();
            // A live line only where a person watches: a terminal, not a log file or a scheduler's journal.
            boolean live = System.console() != null && !"dumb".equals(environment.get("TERM"));
            String host = RunLease.hostName();
            Instant invoked = clock.instant();
            ProgressPrinter printer = ProgressPrinter.start(progress, scan.rows(), Duration.ofSeconds(progressSeconds),
                    clock, spec.commandLine().getErr(), live, settings.rate(), eraser.sendingState()::current,
                    now -> liveStatus(now, identity, host, invoked, scan.rows(), settings, progress,
                            eraser).write(stateDir));
            ErasureLauncher.Launch launch;
            try {
                launch = launcher.launch(input, report, number -> sibling(input, number == 0 ? ".audit.csv"
                                : ".rerun-" + number + ".audit.csv"), idColumn, identity, rerun,
                        new ErasureLauncher.Details(scan.rows(), scan.skipped(), settings.rate().toString(),
                                options));
            } finally {
                printer.stop();
                LiveStatus.delete(stateDir, identity.key());
            }
            metrics.ran(launch.execution(), Path.of(launch.reportFile()));
            if (launch.alreadyComplete()) {
                InputSnapshot.delete(snapshot); // no execution of a finished run reads it
            }
            code = summarize(launch, Duration.between(started, clock.instant()), out);
            ProofOfErasure.record(new RunHistory(context.getBean(JobRepository.class)).of(identity).orElseThrow(),
                    launch.alreadyComplete(), code, clock, out,
                    ProofOfErasure.Provenance.of(state, context.getBean(DataSource.class)));
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
            stop.finished(code);
        }
    }

    /** Every numeric option in its range, before anything is read or sent: a usage error naming it. */
    private void checkOptions() {
        if ("auto".equals(concurrencyOption)) {
            concurrency = AUTO_CONCURRENCY_CAP;
        } else {
            try {
                concurrency = Integer.parseInt(concurrencyOption);
            } catch (NumberFormatException e) {
                throw new UsageException("--concurrency must be auto or a number between 1 and 64, was "
                        + concurrencyOption + ". Nothing was sent.");
            }
            inRange("--concurrency", concurrency, 1, 64);
        }
        inRange("--max-attempts", maxAttempts, 1, 100);
        if (chunkSize != null) {
            inRange("--chunk-size", chunkSize, 1, 10_000);
        }
        inRange("--progress", progressSeconds, 0, 86_400);
        inRange("--max-pause", maxPauseMinutes, 1, 24 * 60);
        inRange("--lease-seconds", leaseSeconds, 1, 86_400);
        if (!PolarSettings.POLAR_VERSIONS.contains(polarVersion)) {
            throw new UsageException("--polar-version must be one of " + String.join(", ",
                    PolarSettings.POLAR_VERSIONS) + " (the API versions Polar accepts), was " + polarVersion + ".");
        }
    }

    private static void inRange(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new UsageException(option + " must be between " + min + " and " + max + ", was " + value
                    + ". Nothing was sent.");
        }
    }

    /** The report is written next to the input unless --report says otherwise: that folder must be writable. */
    private void checkReportFolder() {
        Path folder = (report != null ? report.toAbsolutePath() : sibling(input, ".audit.csv")).getParent();
        if (folder != null && (!Files.isDirectory(folder) || !Files.isWritable(folder))) {
            throw new UsageException("Cannot write the audit report into " + folder + ": the folder "
                    + (Files.isDirectory(folder) ? "is not writable by this user" : "does not exist") + ". Pass"
                    + " --report with a writable place, or fix the folder's permissions, then run again. Nothing was"
                    + " sent.");
        }
    }

    /** What {@code status} shows of this run while it holds the embedded repository. */
    private LiveStatus liveStatus(Progress.Snapshot snapshot, RunIdentity identity, String host, Instant invoked,
                                  long total, PolarSettings settings, Progress progress, Eraser eraser) {
        Map<String, Long> counts = new java.util.LinkedHashMap<>();
        snapshot.countsNow().forEach((outcome, count) -> counts.put(outcome.name(), count));
        Optional<SendingState.Waiting> waiting = eraser.sendingState().current()
                .filter(wait -> wait.until().map(clock.instant()::isBefore).orElse(true));
        return new LiveStatus(identity.key(), host, ProcessHandle.current().pid(), input.toString(),
                progress.reportFile().orElse(null), settings.baseUrl(), settings.rate().toString(), invoked,
                clock.instant(), total, snapshot.answered(), snapshot.done(), snapshot.answeredLastMinute(), counts,
                waiting.map(SendingState.Waiting::description).orElse(null),
                waiting.flatMap(SendingState.Waiting::until).orElse(null));
    }

    private RequestOptions requestOptions() {
        if (sheet != null && !RequestFile.isWorkbook(input)) {
            throw new UsageException("--sheet applies to .xlsx workbooks only; " + input + " is read as text.");
        }
        Pattern pattern = null;
        if (idPattern != null) {
            try {
                pattern = Pattern.compile(idPattern);
            } catch (PatternSyntaxException e) {
                throw new UsageException("--id-pattern is not a valid regular expression: " + e.getDescription()
                        + " near index " + e.getIndex() + " of " + idPattern + ". Fix it and run again.");
            }
        }
        return new RequestOptions(idColumn, !noHeader, sheet, pattern);
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

    private PolarSettings polarSettings() {
        String base = PolarSettings.normalise(apiUrl != null ? apiUrl : sandbox ? SANDBOX_URL : PRODUCTION_URL);
        String rate = rateLimit != null ? rateLimit : sandbox ? "80/min" : "300/min";
        try {
            Rate parsed;
            try {
                parsed = Rate.parse(rate);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--rate-limit: " + e.getMessage() + ".");
            }
            PolarSettings settings = PolarSettings.defaults(base, parsed, maxAttempts)
                    .with(Duration.ofMinutes(maxPauseMinutes), polarVersion);
            OptionalInt budget = PolarEnvironment.budgetPerMinute(settings.baseUrl());
            if (budget.isPresent() && parsed.interval().compareTo(Duration.ofMinutes(1).dividedBy(budget.getAsInt()))
                    < 0 && !allowRateAboveBudget && !dryRun) { // a dry run sends nothing
                throw new UsageException("--rate-limit " + parsed + " is above Polar's budget of " + budget.getAsInt()
                        + "/min per organization at " + settings.baseUrl() + ": it cannot succeed, and it would"
                        + " starve the merchant's own API traffic. Use at most " + budget.getAsInt() + "/min (the"
                        + " default leaves headroom), or pass --allow-rate-above-budget if Polar raised this"
                        + " organization's limit. Nothing was sent.");
            }
            TransportPolicy.check(settings.baseUrl(), allowInsecureHttp);
            return settings;
        } catch (IllegalArgumentException e) {
            throw new UsageException("--api-url: " + e.getMessage().replace("baseUrl", "the API URL"));
        }
    }

    private int plan(ScanResult scan, PrintWriter out) throws Exception {
        Path plan = sibling(input, ".plan.csv");
        DryRun.writePlan(scan, idColumn, plan, clock);
        out.printf("Dry run of %s (%d rows%s, sha256 %s): nothing was sent.%n", input, scan.rows(), skipped(scan),
                scan.sha256());
        PlanOverview.print(plan, polarSettings().rate(), out);
        out.printf("  plan: %s%n", plan.toAbsolutePath());
        return ExitCodes.OK;
    }

    private int summarize(ErasureLauncher.Launch launch, Duration took, PrintWriter out) throws Exception {
        JobExecution execution = launch.execution();
        Path reportFile = Path.of(launch.reportFile());
        if (launch.alreadyComplete()) {
            // Finished reports are often filed away (the nightly script moves them): say where it was.
            boolean abandoned = execution.getStatus() == BatchStatus.ABANDONED;
            // The counts kept at completion answer also after the report was filed away (nightly moves it).
            Optional<ReportCounts> counts = Files.exists(reportFile) ? Optional.of(ReportCounts.read(reportFile))
                    : RunHistory.completedCounts(execution);
            out.printf("This file's run against %s %s at %s; nothing was sent again.%n  %s%n  report: %s%n"
                            + "  To erase its IDs again on purpose, run the same command with --rerun: a new run"
                            + " with a report of its own.%n",
                    execution.getJobParameters().getString(ErasureJobConfiguration.API_URL),
                    abandoned ? "was abandoned" : "already completed",
                    execution.getEndTime().atZone(ZoneId.systemDefault()).toInstant(),
                    (Files.exists(reportFile) ? "" : "the report is no longer there (moved or archived since)"
                            + (counts.isPresent() ? "; it held: " : "")) + counts.map(String::valueOf).orElse(""),
                    reportFile);
            // The same exit code as when it completed: FAILED or REVIEW rows still need someone.
            return abandoned ? ExitCodes.OK : counts.map(ProofOfErasure::completedExitCode).orElse(ExitCodes.OK);
        }
        String tookOver = execution.getJobParameters().getString(ReportTakeover.PARAMETER);
        if (tookOver != null && !launch.resumed()) {
            out.printf("This run %s.%n", tookOver);
        }
        if (report != null && !NormalPath.of(report).equals(reportFile)) {
            out.printf("Note: this run was started with the report %s; --report %s was ignored.%n", reportFile, report);
        }
        BatchStatus status = execution.getStatus();
        if (execution.getAllFailureExceptions().stream().anyMatch(PolarErasureCommand::outOfMemory)) {
            out.flush();
            return PolarErasureCommand.outOfMemory(spec.commandLine().getErr());
        }
        if (status == BatchStatus.COMPLETED) {
            ReportCounts counts = ReportCounts.read(reportFile);
            out.printf("Run %s in %s.%n  %s%n  report: %s%n", (launch.rerun() > 0 ? "(rerun " + launch.rerun() + ") "
                            : "") + (launch.resumed() ? "resumed and completed" : "completed"),
                    Durations.human(took), counts, reportFile);
            return ProofOfErasure.completedExitCode(counts);
        }
        if (status == BatchStatus.STOPPED) {
            out.printf("Run stopped after %s; the report holds every row up to the last checkpoint (%s); answers"
                    + " after it are kept in the run's journal and reach the report, without being sent again, when"
                    + " the run resumes.%n"
                    + "  Re-run the same command to resume.%n", Durations.human(took), reportFile);
            return ExitCodes.RESUMABLE;
        }
        PolarRefusedException refused = find(execution, PolarRefusedException.class);
        if (refused != null) {
            out.printf("Run stopped: %s%n  Rows not yet sent are not in the report. Fix this, then re-run the same"
                    + " command to resume (a fixed token resumes this run; with a corrected --api-url or --sandbox"
                    + " the file is another run, which takes this report over if no row of this run was settled"
                    + " or is in doubt, and otherwise says how to close this one).%n  report so far: %s%n",
                    refused.getMessage(), reportFile);
            return ExitCodes.REFUSED;
        }
        ReportTamperedException tampered = find(execution, ReportTamperedException.class);
        if (tampered != null) {
            out.printf("Cannot resume: %s%n", tampered.getMessage());
            return ExitCodes.USAGE;
        }
        PolarUnavailableException unavailable = find(execution, PolarUnavailableException.class);
        String why = unavailable != null ? unavailable.getMessage()
                : execution.getAllFailureExceptions().stream().map(RunCommand::explain).findFirst()
                        .orElse("unknown cause");
        out.printf("Run failed part-way: %s%n  Re-run the same command to resume; rows already in the report are not"
                + " sent again.%n  report so far: %s%n", why, reportFile);
        return ExitCodes.RESUMABLE;
    }

    private static <T extends Throwable> T find(JobExecution execution, Class<T> type) {
        for (Throwable error : execution.getAllFailureExceptions()) {
            for (Throwable t = error; t != null; t = t.getCause()) {
                if (type.isInstance(t)) {
                    return type.cast(t);
                }
            }
        }
        return null;
    }

    /**
     * The most useful words about a failure: our own message where there is one (it says what to do,
     * e.g. free disk space), the job repository's connection where that was lost, else the root cause.
     */
    private static String explain(Throwable error) {
        Optional<String> lost = SpringContexts.lostRepository(error);
        if (lost.isPresent()) {
            return lost.get();
        }
        Throwable root = error;
        String ours = null;
        for (Throwable t = error; t != null; t = t.getCause()) {
            root = t;
            if (ours == null && t.getMessage() != null && t.getStackTrace().length > 0
                    && t.getStackTrace()[0].getClassName().startsWith("io.polarerasure")) {
                ours = t.getMessage();
            }
        }
        return Redaction.redact(ours != null ? ours : root.getClass().getSimpleName() + ": " + root.getMessage());
    }

    /** About {@code seconds} of requests at the rate, at most 1,000 rows, at least twice the workers. */
    static int defaultChunkSize(Rate rate, int concurrency, int seconds) {
        double perSecond = 1e9 / rate.interval().toNanos();
        return (int) Math.max(2L * concurrency, Math.min(1_000, Math.round(perSecond * seconds)));
    }

    static Path sibling(Path input, String extension) {
        String name = input.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        return NormalPath.of(input.toAbsolutePath().resolveSibling(base + extension));
    }
}
