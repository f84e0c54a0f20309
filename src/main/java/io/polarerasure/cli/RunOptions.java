package io.polarerasure.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.polarerasure.input.InputPath;
import io.polarerasure.input.RequestFile;
import io.polarerasure.input.RequestOptions;
import io.polarerasure.polar.PolarEnvironment;
import io.polarerasure.polar.PolarSettings;
import io.polarerasure.polar.Rate;

import picocli.CommandLine.Option;

/**
 * The options of {@code run} and their checks: every value in its range and every combination allowed before
 * anything is read or sent, each problem a {@link UsageException} naming the option. A picocli mixin of
 * {@link RunCommand}; {@link #check()} runs first, then the accessors give the settings the run is built from.
 */
final class RunOptions {

    /** Polar's production API. */
    static final String PRODUCTION_URL = "https://api.polar.sh";
    /** Polar's sandbox API. */
    static final String SANDBOX_URL = "https://sandbox-api.polar.sh";

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
                    + " p90 latency (Little's law), up to " + RunCommand.AUTO_CONCURRENCY_CAP + ".")
    String concurrencyOption;

    @Option(names = "--max-attempts", paramLabel = "N", defaultValue = "6",
            description = "Requests per row at most, first one included (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--chunk-size", paramLabel = "N",
            description = "Rows per checkpoint (default: about " + RunCommand.AUTO_CHUNK_SECONDS + " s of requests at"
                    + " the rate limit with --concurrency auto, 300 at 300/min, else about " + RunCommand.CHUNK_SECONDS
                    + " s; at"
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

    /** Worker threads: the explicit --concurrency, or the cap of auto; set by {@link #check()}. */
    private int concurrency;

    /**
     * Checks the input path and every option that needs no file read: a usage error naming the first bad one.
     *
     * @throws UsageException if the input is unusable, --sandbox and --api-url are both given, or a value is out of
     *                        range
     */
    void check() {
        Optional<String> unusable = InputPath.problem(input);
        if (unusable.isPresent()) {
            throw new UsageException(unusable.get());
        }
        if (sandbox && apiUrl != null) {
            throw new UsageException("--sandbox and --api-url contradict each other: give only one.");
        }
        checkRanges();
    }

    /** Requests in flight at most (the cap under auto); valid after {@link #check()}. */
    int concurrency() {
        return concurrency;
    }

    /** Whether --concurrency is auto: sized from the rate and the latency, up to {@link #concurrency()}. */
    boolean autoConcurrency() {
        return "auto".equals(concurrencyOption);
    }

    /** Rows per checkpoint: --chunk-size, else about a chunk's worth of seconds at the rate. */
    int rowsPerChunk(Rate rate) {
        return chunkSize != null ? chunkSize : RunCommand.defaultChunkSize(rate, concurrency, autoConcurrency()
                ? RunCommand.AUTO_CHUNK_SECONDS : RunCommand.CHUNK_SECONDS);
    }

    /**
     * Refuses a user token against Polar's own hosts unless --allow-user-token: Polar then looks each ID up in
     * every organization the user can reach.
     *
     * @throws UsageException naming the token's source and how to get an organization access token
     */
    void checkTokenKind(String token, PolarSettings settings) {
        if (PolarEnvironment.isPolarHost(settings.baseUrl()) && !token.startsWith(AccessToken.ORGANIZATION_PREFIX)
                && !allowUserToken) {
            throw new UsageException("The token in " + AccessToken.source(tokenFile) + " is not an organization"
                    + " access token (" + AccessToken.ORGANIZATION_PREFIX + "...). With a personal or OAuth user"
                    + " token Polar looks each ID up in every organization the user can reach and may erase a"
                    + " customer of the wrong one. Create an organization access token with customers:write"
                    + " (Settings > Developers in the organization's dashboard), or pass --allow-user-token if you"
                    + " really mean it. Nothing was sent.");
        }
    }

    /** Every numeric option in its range, before anything is read or sent: a usage error naming it. */
    private void checkRanges() {
        if (autoConcurrency()) {
            concurrency = RunCommand.AUTO_CONCURRENCY_CAP;
        } else {
            // A number out of range gets the same words as a non-number: auto, the default, is the usual answer.
            int parsed;
            try {
                parsed = Integer.parseInt(concurrencyOption);
            } catch (NumberFormatException e) {
                parsed = 0;
            }
            if (parsed < 1 || parsed > 64) {
                throw new UsageException("--concurrency must be auto or a number between 1 and 64, was "
                        + concurrencyOption + ". Nothing was sent.");
            }
            concurrency = parsed;
        }
        inRange("--max-attempts", maxAttempts, 1, 100);
        if (chunkSize != null) {
            inRange("--chunk-size", chunkSize, 1, RunCommand.MAX_CHUNK_SIZE);
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
    void checkReportFolder() {
        Path folder = (report != null ? report.toAbsolutePath() : RunCommand.sibling(input, ".audit.csv")).getParent();
        if (folder != null && (!Files.isDirectory(folder) || !Files.isWritable(folder))) {
            throw new UsageException("Cannot write the audit report into " + folder + ": the folder "
                    + (Files.isDirectory(folder) ? "is not writable by this user" : "does not exist") + ". Pass"
                    + " --report with a writable place, or fix the folder's permissions, then run again. Nothing was"
                    + " sent.");
        }
    }

    RequestOptions requestOptions() {
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

    PolarSettings polarSettings() {
        String base = PolarSettings.normalise(apiUrl != null ? apiUrl : sandbox ? SANDBOX_URL : PRODUCTION_URL);
        // The sandbox's default however it is named (--sandbox or its URL): its budget is 100/min.
        boolean sandboxApi = sandbox || PolarEnvironment.of(base) == PolarEnvironment.SANDBOX;
        String rate = rateLimit != null ? rateLimit : sandboxApi ? "80/min" : "300/min";
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
                    < 0 && !allowRateAboveBudget) { // a dry run too: it shows what the run would do
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
}
