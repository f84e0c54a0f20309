package io.polarerasure.job;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.polarerasure.report.Outcome;
import io.polarerasure.report.ReportCounts;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** The runs the job repository knows, as operators and the run summary need them. Read-only. */
public final class RunHistory {

    /** The reader's checkpoint: rows read and committed to the report (see RequestReader). */
    static final String ROWS_DONE = "requestReader.read.count";

    /**
     * One request file's run after its last execution.
     *
     * @param runId                 job instance id, the same across resumes
     * @param started               first start of the run
     * @param finished              end of the last execution; null while it runs (or if its process died)
     * @param inputRows             data rows of the input; null for runs started before it was recorded
     * @param rowsDone              rows committed to the report at the last checkpoint
     * @param committedReportSha256 SHA-256 of the report bytes at the last checkpoint; null before the first
     * @param apiUrl                API base the run sends to (part of its identity)
     * @param rateLimit             rate limit of the last execution; null if not recorded
     * @param rerun                 0 for a file's first run, n for its n-th {@code run --rerun}
     * @param committedReportBytes  report bytes at the last checkpoint; 0 before the first
     * @param answeredBy            which environment answered the latest execution that got answers; null if none
     * @param skippedRecords        records of only empty fields skipped in the input; 0 for runs started before it
     *                              was recorded
     * @param tookOver              how the run took its report over from a run that never got anywhere
     *                              ({@link ReportTakeover}); null if it did not
     */
    public record Run(long runId, long executionId, String inputSha256, String inputFile, String reportFile,
                      BatchStatus state, Instant started, Instant finished, Long inputRows, long rowsDone,
                      String committedReportSha256, String apiUrl, String rateLimit, long rerun,
                      long committedReportBytes, String answeredBy, long skippedRecords, String tookOver) {

        /** What the run is, as it names its files in the state folder. */
        public RunIdentity identity() {
            return new RunIdentity(inputSha256, apiUrl);
        }

        /** Finished for good: completed, or abandoned by the operator. */
        public boolean ended() {
            return state == BatchStatus.COMPLETED || state == BatchStatus.ABANDONED;
        }
    }

    /** Job execution context: the report's rows of each outcome when the run completed, {@code rows.DELETED} etc. */
    private static final String COMPLETED_ROWS = "erasure.completed.rows.";

    /**
     * Keeps a completed run's counts with its execution, so that a later invocation of the same file answers with
     * the same exit code (and metrics) also after its report was filed away; the caller saves the context.
     */
    static void recordCompletedCounts(JobExecution execution, ReportCounts counts) {
        ExecutionContext context = execution.getExecutionContext();
        for (Outcome outcome : Outcome.values()) {
            context.putLong(COMPLETED_ROWS + outcome.name(), counts.get(outcome));
        }
        context.putLong(COMPLETED_ROWS + "inDoubt", counts.inDoubt());
    }

    /** The counts {@link #recordCompletedCounts} kept with this execution; empty for runs completed before. */
    public static Optional<ReportCounts> completedCounts(JobExecution execution) {
        ExecutionContext context = execution.getExecutionContext();
        if (!context.containsKey(COMPLETED_ROWS + "inDoubt")) {
            return Optional.empty();
        }
        Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            long count = context.getLong(COMPLETED_ROWS + outcome.name(), 0L);
            if (count > 0) {
                counts.put(outcome, count);
            }
        }
        return Optional.of(new ReportCounts(counts, context.getLong(COMPLETED_ROWS + "inDoubt")));
    }

    private final JobRepository repository;

    public RunHistory(JobRepository repository) {
        this.repository = repository;
    }

    /** Every run, the most recently started first. */
    public List<Run> all() {
        return repository.getJobInstances(ErasureJobConfiguration.JOB_NAME, 0, Integer.MAX_VALUE).stream()
                .map(this::run)
                .flatMap(Optional::stream)
                .sorted(Comparator.comparing(Run::started).thenComparing(Run::runId).reversed())
                .toList();
    }

    /** The latest run (the highest rerun number) of this content and destination, if it was ever started. */
    public Optional<Run> of(RunIdentity identity) {
        JobInstance latest = null;
        for (long rerun = 0; ; rerun++) {
            JobInstance instance = repository.getJobInstance(ErasureJobConfiguration.JOB_NAME,
                    ErasureLauncher.identity(identity, rerun));
            if (instance == null) {
                break;
            }
            latest = instance;
        }
        return latest == null ? Optional.empty() : run(latest);
    }

    /** Every run of a file with this SHA-256, whatever its destination, the most recently started first. */
    public List<Run> ofContent(String inputSha256) {
        return all().stream().filter(run -> inputSha256.equals(run.inputSha256())).toList();
    }

    /** The run whose report is this file, if any: recorded as given (made absolute) or normalised ({@link NormalPath}). */
    public Optional<Run> owning(java.nio.file.Path report) {
        String path = report.toAbsolutePath().toString();
        String normal = NormalPath.of(report).toString();
        return all().stream().filter(run -> path.equals(run.reportFile()) || normal.equals(run.reportFile()))
                .findFirst();
    }

    private Optional<Run> run(JobInstance instance) {
        List<JobExecution> executions = repository.getJobExecutions(instance);
        if (executions.isEmpty()) {
            return Optional.empty();
        }
        JobExecution last = executions.stream().max(Comparator.comparingLong(JobExecution::getId)).orElseThrow();
        JobExecution first = executions.stream().min(Comparator.comparingLong(JobExecution::getId)).orElseThrow();
        JobParameters parameters = last.getJobParameters();
        StepExecution step = repository.getLastStepExecution(instance, ErasureJobConfiguration.STEP_NAME);
        ExecutionContext context = step == null ? new ExecutionContext() : step.getExecutionContext();
        Long inputRows = parameters.getLong(ErasureJobConfiguration.INPUT_ROWS);
        long read = context.getInt(ROWS_DONE, 0);
        // The reader also counts its last read, the one that finds the end of the file.
        long rowsDone = inputRows == null ? read : Math.min(read, inputRows);
        return Optional.of(new Run(instance.getInstanceId(), last.getId(),
                parameters.getString(ErasureJobConfiguration.INPUT_SHA256),
                parameters.getString(ErasureJobConfiguration.INPUT_FILE),
                parameters.getString(ErasureJobConfiguration.REPORT_FILE), last.getStatus(),
                instant(first.getStartTime() != null ? first.getStartTime() : first.getCreateTime()),
                last.getEndTime() == null ? null : instant(last.getEndTime()), inputRows,
                rowsDone, context.getString(ReportWriter.COMMITTED_SHA256, null),
                parameters.getString(ErasureJobConfiguration.API_URL),
                parameters.getString(ErasureJobConfiguration.RATE_LIMIT),
                parameters.getLong(ErasureJobConfiguration.RERUN) == null ? 0
                        : parameters.getLong(ErasureJobConfiguration.RERUN),
                context.getLong(ReportWriter.COMMITTED_BYTES, 0L),
                executions.stream().sorted(Comparator.comparingLong(JobExecution::getId).reversed())
                        .map(execution -> execution.getExecutionContext()
                                .getString(ErasureJobConfiguration.ANSWERED_BY, null))
                        .filter(java.util.Objects::nonNull).findFirst().orElse(null),
                parameters.getLong(ErasureJobConfiguration.INPUT_SKIPPED) == null ? 0
                        : parameters.getLong(ErasureJobConfiguration.INPUT_SKIPPED),
                parameters.getString(ReportTakeover.PARAMETER)));
    }

    /** Spring Batch keeps times as local date-times of the machine that ran the job. */
    private static Instant instant(LocalDateTime time) {
        return time.atZone(ZoneId.systemDefault()).toInstant();
    }
}
