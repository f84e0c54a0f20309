package io.polarerasure.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

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
 */
public record RunSummary(String inputFile, String inputSha256, String reportFile, String reportSha256, long runId,
                         long executionId, String state, Instant started, Instant finished, String apiBaseUrl,
                         String rateLimit, String toolVersion, long inputRows, ReportCounts counts, int exitCode,
                         Provenance provenance, long skippedEmptyRecords) {

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
                        p.tookOver(), p.retryOf(), retryFile), skippedEmptyRecords);
    }

    /** Names this layout; a reader refuses others rather than misread them. */
    public static final String FORMAT = "polar-erasure-summary/1";
    private static final String COMPLETED = "COMPLETED";
    private static final String ABANDONED = "ABANDONED";

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

    public String toJson() {
        StringBuilder json = new StringBuilder(1024).append("{\n");
        field(json, "format", Json.quote(FORMAT));
        field(json, "tool_version", Json.quote(toolVersion));
        field(json, "run_id", Long.toString(runId));
        field(json, "execution_id", Long.toString(executionId));
        field(json, "state", Json.quote(state));
        field(json, "complete", Boolean.toString(complete()));
        field(json, "input_file", Json.quote(inputFile));
        field(json, "input_sha256", Json.quote(inputSha256));
        field(json, "input_rows", Long.toString(inputRows));
        field(json, "skipped_empty_records", Long.toString(skippedEmptyRecords));
        field(json, "report_file", Json.quote(reportFile));
        field(json, "report_sha256", Json.quote(reportSha256));
        field(json, "report_rows", Long.toString(counts.total()));
        StringBuilder byOutcome = new StringBuilder("{");
        for (Outcome outcome : reportOutcomes()) {
            byOutcome.append(byOutcome.length() == 1 ? "" : ", ").append(Json.quote(outcome.name())).append(": ")
                    .append(counts.get(outcome));
        }
        field(json, "counts", byOutcome.append('}').toString());
        field(json, "in_doubt", Long.toString(counts.inDoubt()));
        field(json, "started", Json.quote(started.toString()));
        field(json, "finished", Json.quote(finished.toString()));
        field(json, "api_base_url", Json.quote(apiBaseUrl));
        field(json, "rate_limit", Json.quote(rateLimit));
        field(json, "environment", Json.quote(provenance.environment()));
        field(json, "answered_by", Json.quote(provenance.answeredBy()));
        field(json, "job_repository", Json.quote(provenance.jobRepository()));
        field(json, "rerun", Long.toString(provenance.rerun()));
        if (provenance.abandonedReason() != null) {
            field(json, "abandoned_reason", Json.quote(provenance.abandonedReason()));
        }
        if (provenance.tookOver() != null) {
            field(json, "took_over", Json.quote(provenance.tookOver()));
        }
        if (provenance.retryOf() != null) {
            field(json, "retry_of_report", Json.quote(provenance.retryOf()));
        }
        if (provenance.retriedIn() != null) {
            field(json, "retried_in", Json.quote(provenance.retriedIn()));
        }
        json.append("  \"exit_code\": ").append(exitCode).append("\n}\n");
        return json.toString();
    }

    private static void field(StringBuilder json, String name, String value) {
        json.append("  ").append(Json.quote(name)).append(": ").append(value).append(",\n");
    }

    /**
     * Writes the summary whole or not at all (a temporary file moved into place), readable by its owner only
     * like the report it describes.
     */
    public void write(Path file) throws IOException {
        ReportFormat.replaceOwnerOnly(file, toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** @throws IOException if the file cannot be read or is not a summary of this format */
    public static RunSummary read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            Map<String, Object> json = Json.parseObject(text);
            if (!FORMAT.equals(json.get("format"))) {
                throw new IllegalArgumentException("its format is " + json.get("format") + ", not " + FORMAT);
            }
            Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
            Map<?, ?> byOutcome = get(json, "counts", Map.class);
            for (Map.Entry<?, ?> entry : byOutcome.entrySet()) {
                counts.put(Outcome.valueOf((String) entry.getKey()), (Long) entry.getValue());
            }
            RunSummary summary = new RunSummary(get(json, "input_file", String.class),
                    get(json, "input_sha256", String.class), get(json, "report_file", String.class),
                    get(json, "report_sha256", String.class), get(json, "run_id", Long.class),
                    get(json, "execution_id", Long.class), get(json, "state", String.class),
                    Instant.parse(get(json, "started", String.class)),
                    Instant.parse(get(json, "finished", String.class)),
                    nullable(json, "api_base_url"), nullable(json, "rate_limit"),
                    get(json, "tool_version", String.class), get(json, "input_rows", Long.class),
                    new ReportCounts(counts, json.get("in_doubt") instanceof Long n ? n : 0),
                    get(json, "exit_code", Long.class).intValue(),
                    new Provenance(nullable(json, "environment"), nullable(json, "answered_by"),
                            nullable(json, "job_repository"),
                            json.get("rerun") instanceof Long rerun ? rerun : 0, nullable(json, "abandoned_reason"),
                            nullable(json, "took_over"), nullable(json, "retry_of_report"),
                            nullable(json, "retried_in")),
                    json.get("skipped_empty_records") instanceof Long skipped ? skipped : 0);
            if (get(json, "report_rows", Long.class) != summary.counts().total()) {
                throw new IllegalArgumentException("its report_rows " + json.get("report_rows")
                        + " is not the sum of its counts " + summary.counts().total());
            }
            return summary;
        } catch (IllegalArgumentException | ClassCastException | DateTimeParseException e) {
            throw new IOException(file + " is not a valid run summary: " + e.getMessage()
                    + ". It may have been edited; restore it from a backup.", e);
        }
    }

    private static <T> T get(Map<String, Object> json, String key, Class<T> type) {
        Object value = json.get(key);
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException("\"" + key + "\" is missing or not a " + type.getSimpleName());
        }
        return type.cast(value);
    }

    /** Runs started by a version that did not record these have none. */
    private static String nullable(Map<String, Object> json, String key) {
        return json.get(key) == null ? null : get(json, key, String.class);
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
