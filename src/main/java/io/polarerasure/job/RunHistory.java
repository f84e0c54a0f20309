package io.polarerasure.job;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import io.polarerasure.report.ReportWriter;

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
     * @param apiUrl                API base of the last execution; null if not recorded
     * @param rateLimit             rate limit of the last execution; null if not recorded
     */
    public record Run(long runId, long executionId, String inputSha256, String inputFile, String reportFile,
                      BatchStatus state, Instant started, Instant finished, Long inputRows, long rowsDone,
                      String committedReportSha256, String apiUrl, String rateLimit) {
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

    /** The run of the file with this SHA-256, if it was ever started. */
    public Optional<Run> of(String inputSha256) {
        JobInstance instance = repository.getJobInstance(ErasureJobConfiguration.JOB_NAME,
                ErasureLauncher.identity(inputSha256));
        return instance == null ? Optional.empty() : run(instance);
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
                parameters.getString(ErasureJobConfiguration.RATE_LIMIT)));
    }

    /** Spring Batch keeps times as local date-times of the machine that ran the job. */
    private static Instant instant(LocalDateTime time) {
        return time.atZone(ZoneId.systemDefault()).toInstant();
    }
}
