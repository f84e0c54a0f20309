package io.polarerasure.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import tools.jackson.core.JacksonException;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The proof of erasure kept next to a report as {@code <report>.summary.json}: which file was run, what the
 * report's bytes hash to, when, against which API and with which outcome. With it, anyone can later check
 * that the report was not altered ({@link #differences}). Written again at the end of each invocation of a
 * run; only a {@code COMPLETED} summary describes a final report.
 *
 * @param runId       the run's job instance id (the same across resumes)
 * @param executionId the job execution that wrote this summary
 * @param state       the run's batch status after that execution: COMPLETED, STOPPED or FAILED
 * @param started     when the run was first started
 * @param inputRows   data rows in the request file
 * @param counts      rows per outcome in the report
 * @param exitCode    the exit code the command ended with
 * @param provenance  where the run belongs: environment, job repository, rerun number, abandonment
 * @param skippedEmptyRecords records of only empty fields skipped in the request file like blank lines (not rows,
 *                    so not in the report); 0 in summaries written before it was recorded
 * @param pending     for a run that has not ended (STOPPED, FAILED), where its rows stand beyond the report; null for
 *                    a final report, when the run's journal could not be read, and in summaries written before it was
 *                    recorded
 */
public record RunSummary(String inputFile, String inputSha256, String reportFile, String reportSha256, long runId,
                         long executionId, String state, Instant started, Instant finished, String apiBaseUrl,
                         String rateLimit, String toolVersion, long inputRows, ReportCounts counts, int exitCode,
                         Provenance provenance, long skippedEmptyRecords, PendingRows pending) {

    /**
     * Where a run belongs, so that a report found without its run tells where to look. Fields are null in
     * summaries written before they existed.
     *
     * @param environment     "production", "sandbox" or "not a Polar host", from the API base URL
     * @param answeredBy      which environment answered the last invocation's calls, by Polar's X-Polar-Sandbox
     *                        header; null when no call was answered
     * @param jobRepository   the job repository: the embedded database's path, or the JDBC URL without credentials
     * @param rerun           0 for a file's first run, n for its n-th {@code run --rerun}
     * @param abandonedReason why the run was abandoned ({@code abandon}); null unless it was
     * @param tookOver        how the run took its report over from a run of the same file that never got anywhere
     *                        (a wrong URL); null unless it did
     * @param retryOf         for a retry run, the file name of the report whose rows it retries; null otherwise
     * @param retriedIn       the retry file {@code retry-failed} wrote of this run's rows; null until then
     */
    public record Provenance(String environment, String answeredBy, String jobRepository, long rerun,
                             String abandonedReason, String tookOver, String retryOf, String retriedIn) {

        static final Provenance UNKNOWN = new Provenance(null, null, null, 0, null);

        /** The provenance of a run that took no report over, retries no other run and has not been retried. */
        public Provenance(String environment, String answeredBy, String jobRepository, long rerun,
                          String abandonedReason) {
            this(environment, answeredBy, jobRepository, rerun, abandonedReason, null, null, null);
        }
    }

    /** This summary naming the retry file {@code retry-failed} wrote of its rows. */
    public RunSummary retriedIn(String retryFile) {
        Provenance p = provenance;
        return new RunSummary(inputFile, inputSha256, reportFile, reportSha256, runId, executionId, state, started,
                finished, apiBaseUrl, rateLimit, toolVersion, inputRows, counts, exitCode, new Provenance(
                        p.environment(), p.answeredBy(), p.jobRepository(), p.rerun(), p.abandonedReason(),
                        p.tookOver(), p.retryOf(), retryFile), skippedEmptyRecords, pending);
    }

    /**
     * This summary with where the rows of a run that has not ended stand beyond its report.
     *
     * @param rows null when not known
     * @throws IllegalArgumentException if the report is final (COMPLETED or ABANDONED): nothing is pending then
     */
    public RunSummary withPending(PendingRows rows) {
        if (rows != null && finalReport()) {
            throw new IllegalArgumentException("a " + state + " run has nothing pending beyond its report");
        }
        return new RunSummary(inputFile, inputSha256, reportFile, reportSha256, runId, executionId, state, started,
                finished, apiBaseUrl, rateLimit, toolVersion, inputRows, counts, exitCode, provenance,
                skippedEmptyRecords, rows);
    }

    /** Names this layout; a reader refuses others rather than misread them. */
    public static final String FORMAT = "polar-erasure-summary/1";
    private static final String COMPLETED = "COMPLETED";
    private static final String ABANDONED = "ABANDONED";
    // Later versions may add fields; a reader of this version ignores them rather than refuse the summary.
    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    // "name": value, as before Jackson: jobs/nightly.sh greps the counts as "REVIEW": [1-9].
    private static final ObjectWriter WRITER = JSON.writer().with(new DefaultPrettyPrinter(
            Separators.createDefaultInstance().withObjectNameValueSpacing(Separators.Spacing.AFTER)));

    /** Where the summary of this report lives. */
    public static Path pathFor(Path report) {
        return report.resolveSibling(report.getFileName() + ".summary.json");
    }

    /** A summary that records no skipped empty records. */
    public RunSummary(String inputFile, String inputSha256, String reportFile, String reportSha256, long runId,
                      long executionId, String state, Instant started, Instant finished, String apiBaseUrl,
                      String rateLimit, String toolVersion, long inputRows, ReportCounts counts, int exitCode,
                      Provenance provenance) {
        this(inputFile, inputSha256, reportFile, reportSha256, runId, executionId, state, started, finished,
                apiBaseUrl, rateLimit, toolVersion, inputRows, counts, exitCode, provenance, 0);
    }

    /** A summary with nothing recorded as pending beyond the report ({@link #withPending} adds it). */
    public RunSummary(String inputFile, String inputSha256, String reportFile, String reportSha256, long runId,
                      long executionId, String state, Instant started, Instant finished, String apiBaseUrl,
                      String rateLimit, String toolVersion, long inputRows, ReportCounts counts, int exitCode,
                      Provenance provenance, long skippedEmptyRecords) {
        this(inputFile, inputSha256, reportFile, reportSha256, runId, executionId, state, started, finished,
                apiBaseUrl, rateLimit, toolVersion, inputRows, counts, exitCode, provenance, skippedEmptyRecords,
                null);
    }

    public RunSummary {
        provenance = provenance == null ? Provenance.UNKNOWN : provenance;
    }

    public boolean complete() {
        return state.equals(COMPLETED);
    }

    /** Whether the report is final: the run completed, or was abandoned (its unsent rows say NOT_SENT). */
    public boolean finalReport() {
        return complete() || state.equals(ABANDONED);
    }

    /** The summary as written to disk: one JSON object, two-space indented, field names in snake case. */
    public String toJson() {
        Map<String, Long> byOutcome = new LinkedHashMap<>();
        for (Outcome outcome : reportOutcomes()) {
            byOutcome.put(outcome.name(), counts.get(outcome));
        }
        OnDisk json = new OnDisk(FORMAT, toolVersion, runId, executionId, state, complete(), inputFile, inputSha256,
                inputRows, skippedEmptyRecords, reportFile, reportSha256, counts.total(), byOutcome,
                counts.inDoubt(), started.toString(), finished.toString(), apiBaseUrl, rateLimit,
                provenance.environment(), provenance.answeredBy(), provenance.jobRepository(), provenance.rerun(),
                provenance.abandonedReason(), provenance.tookOver(), provenance.retryOf(),
                provenance.retriedIn(), pending == null ? null : new Pending(pending.answeredInJournal(),
                        pending.sentWithoutAnswer(), pending.notYetSent()), (long) exitCode);
        return WRITER.writeValueAsString(json) + "\n";
    }

    /**
     * Writes the summary whole or not at all (a temporary file moved into place), readable by its owner only
     * like the report it describes.
     */
    public void write(Path file) throws IOException {
        AtomicFile.replace(file, toJson().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads a summary this or an earlier version wrote: fields added later ({@code in_doubt}, {@code rerun},
     * {@code skipped_empty_records}, provenance, {@code pending}) default to 0 or null when absent.
     *
     * @throws IOException if the file cannot be read or is not a summary of this format
     */
    public static RunSummary read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            OnDisk json = JSON.readValue(text, OnDisk.class);
            if (json == null || !FORMAT.equals(json.format())) {
                throw new IllegalArgumentException("its format is " + (json == null ? null : json.format())
                        + ", not " + FORMAT);
            }
            Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
            for (Map.Entry<String, Long> entry : required(json.counts(), "counts").entrySet()) {
                counts.put(Outcome.valueOf(entry.getKey()), required(entry.getValue(), entry.getKey()));
            }
            RunSummary summary = new RunSummary(required(json.inputFile(), "input_file"),
                    required(json.inputSha256(), "input_sha256"), required(json.reportFile(), "report_file"),
                    required(json.reportSha256(), "report_sha256"), required(json.runId(), "run_id"),
                    required(json.executionId(), "execution_id"), required(json.state(), "state"),
                    Instant.parse(required(json.started(), "started")),
                    Instant.parse(required(json.finished(), "finished")), json.apiBaseUrl(), json.rateLimit(),
                    required(json.toolVersion(), "tool_version"), required(json.inputRows(), "input_rows"),
                    new ReportCounts(counts, orZero(json.inDoubt())),
                    required(json.exitCode(), "exit_code").intValue(),
                    new Provenance(json.environment(), json.answeredBy(), json.jobRepository(),
                            orZero(json.rerun()), json.abandonedReason(),
                            json.tookOver(), json.retryOfReport(), json.retriedIn()),
                    orZero(json.skippedEmptyRecords()), pending(json.pending()));
            if (required(json.reportRows(), "report_rows") != summary.counts().total()) {
                throw new IllegalArgumentException("its report_rows " + json.reportRows()
                        + " is not the sum of its counts " + summary.counts().total());
            }
            return summary;
        } catch (JacksonException | IllegalArgumentException | DateTimeParseException e) {
            throw new IOException(file + " is not a valid run summary: " + e.getMessage()
                    + ". It may have been edited; restore it from a backup.", e);
        }
    }

    /** The pending counts as read; a {@code pending} object must hold all three. */
    private static PendingRows pending(Pending json) {
        if (json == null) {
            return null;
        }
        return new PendingRows(required(json.answeredInJournal(), "pending.answered_in_journal"),
                required(json.sentWithoutAnswer(), "pending.sent_without_answer"),
                required(json.notYetSent(), "pending.not_yet_sent"));
    }

    private static <T> T required(T value, String key) {
        if (value == null) {
            throw new IllegalArgumentException("\"" + key + "\" is missing");
        }
        return value;
    }

    /** Summaries written before a count was recorded have none. */
    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    /**
     * The layout of {@code summary.json}, field for field in the order written. Boxed numbers so that a missing
     * field reads as null, not 0; {@code abandoned_reason} is left out unless the run was abandoned, {@code pending}
     * unless the run has not ended and its journal was read.
     */
    @JsonPropertyOrder({"format", "tool_version", "run_id", "execution_id", "state", "complete", "input_file",
        "input_sha256", "input_rows", "skipped_empty_records", "report_file", "report_sha256", "report_rows",
        "counts", "in_doubt", "pending", "started", "finished", "api_base_url", "rate_limit", "environment",
        "answered_by", "job_repository", "rerun", "abandoned_reason", "exit_code"})
    record OnDisk(String format, String toolVersion, Long runId, Long executionId, String state, Boolean complete,
                  String inputFile, String inputSha256, Long inputRows, Long skippedEmptyRecords, String reportFile,
                  String reportSha256, Long reportRows, Map<String, Long> counts, Long inDoubt, String started,
                  String finished, String apiBaseUrl, String rateLimit, String environment, String answeredBy,
                  String jobRepository, Long rerun,
                  @JsonInclude(JsonInclude.Include.NON_NULL) String abandonedReason,
                  @JsonInclude(JsonInclude.Include.NON_NULL) String tookOver,
                  @JsonInclude(JsonInclude.Include.NON_NULL) String retryOfReport,
                  @JsonInclude(JsonInclude.Include.NON_NULL) String retriedIn,
                  @JsonInclude(JsonInclude.Include.NON_NULL) Pending pending, Long exitCode) {
    }

    /** {@code pending} in {@code summary.json}: {@link PendingRows}, field for field. */
    @JsonPropertyOrder({"answered_in_journal", "sent_without_answer", "not_yet_sent"})
    record Pending(Long answeredInJournal, Long sentWithoutAnswer, Long notYetSent) {
    }

    /** What in the report on disk differs from this summary; empty when the report is the one summarised. */
    public List<String> differences(ReportFacts report) {
        List<String> differences = new ArrayList<>();
        if (!report.sha256().equals(reportSha256)) {
            differences.add("its SHA-256 is " + report.sha256() + ", the summary recorded " + reportSha256);
        }
        if (report.rows() != counts.total()) {
            differences.add("it has " + report.rows() + " data rows, the summary recorded " + counts.total());
        }
        for (Outcome outcome : Outcome.values()) {
            if (report.counts().get(outcome) != counts.get(outcome)) {
                differences.add(outcome + " rows: " + report.counts().get(outcome) + ", the summary recorded "
                        + counts.get(outcome));
            }
        }
        if (report.counts().inDoubt() != counts.inDoubt()) {
            differences.add("rows in doubt: " + report.counts().inDoubt() + ", the summary recorded "
                    + counts.inDoubt());
        }
        return differences;
    }

    /** The outcomes a run's report can hold, in report order. */
    private static List<Outcome> reportOutcomes() {
        List<Outcome> outcomes = new ArrayList<>(List.of(Outcome.values()));
        outcomes.remove(Outcome.WOULD_DELETE);
        return outcomes;
    }
}
