package io.polarerasure.job;

import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;

/**
 * Starts a request file's run, or resumes it: the run is identified by the file's SHA-256 only, so
 * re-running the same command continues from the last checkpoint with the report path fixed at the
 * first start. The caller must hold the run's {@link RunLease} (and, on one machine, its {@link RunLock}).
 */
public final class ErasureLauncher {

    /** How an invocation ended. */
    public record Launch(JobExecution execution, boolean alreadyComplete, boolean resumed, String reportFile) {
    }

    /** What an invocation runs with, recorded on its execution (not part of the run's identity). */
    public record Details(long inputRows, String apiUrl, String rateLimit) {
    }

    private final JobOperator jobOperator;
    private final JobRepository jobRepository;
    private final Job job;

    public ErasureLauncher(JobOperator jobOperator, JobRepository jobRepository, Job job) {
        this.jobOperator = jobOperator;
        this.jobRepository = jobRepository;
        this.job = job;
    }

    /** The last execution of the run of a file with this SHA-256, or null if it was never run. */
    public JobExecution lastExecution(String inputSha256) {
        JobInstance instance = jobRepository.getJobInstance(ErasureJobConfiguration.JOB_NAME, identity(inputSha256));
        return instance == null ? null : jobRepository.getLastJobExecution(instance);
    }

    public Launch launch(Path input, Path report, String idColumn, String inputSha256, Details details)
            throws Exception {
        JobExecution last = lastExecution(inputSha256);
        if (last == null) {
            if (Files.exists(report)) {
                throw new RunConflictException("The report " + report + " already exists and belongs to no run of "
                        + input + ". Move it away or choose another path with --report, then run again.");
            }
            String reportFile = report.toAbsolutePath().toString();
            return new Launch(jobOperator.start(job, parameters(input, reportFile, idColumn, inputSha256, details)),
                    false, false, reportFile);
        }
        // The report path and ID column are fixed at the first start; the input may have moved since.
        JobParameters first = last.getJobParameters();
        String reportFile = first.getString(ErasureJobConfiguration.REPORT_FILE);
        String firstIdColumn = first.getString(ErasureJobConfiguration.ID_COLUMN);
        if (!idColumn.equals(firstIdColumn)) {
            throw new RunConflictException("This file's run was started with --id-column " + firstIdColumn
                    + "; run it again with that column so the same IDs are erased.");
        }
        if (last.getStatus() == BatchStatus.COMPLETED) {
            return new Launch(last, true, false, reportFile);
        }
        if (last.getStatus().isRunning()) {
            // Left STARTED by a process that died (kill -9, power loss): we hold the run's lease, so nobody runs it.
            jobOperator.recover(last);
        } else if (last.getStatus() == BatchStatus.UNKNOWN) {
            markFailed(last);
        }
        JobParameters resume = parameters(input, reportFile, idColumn, inputSha256, details);
        return new Launch(jobOperator.start(job, resume), false, true, reportFile);
    }

    private static JobParameters parameters(Path input, String reportFile, String idColumn, String inputSha256,
                                            Details details) {
        return new JobParametersBuilder(identity(inputSha256))
                .addString(ErasureJobConfiguration.INPUT_FILE, input.toAbsolutePath().toString(), false)
                .addString(ErasureJobConfiguration.REPORT_FILE, reportFile, false)
                .addString(ErasureJobConfiguration.ID_COLUMN, idColumn, false)
                .addLong(ErasureJobConfiguration.INPUT_ROWS, details.inputRows(), false)
                .addString(ErasureJobConfiguration.API_URL, details.apiUrl(), false)
                .addString(ErasureJobConfiguration.RATE_LIMIT, details.rateLimit(), false)
                .toJobParameters();
    }

    /**
     * Spring Batch leaves an execution UNKNOWN when its database went away during a commit, and
     * refuses to restart it, since it cannot tell whether the chunk was committed. Here that is safe
     * to redo: the report is checked against the committed checkpoint and cut back to it, and the
     * journal keeps every answer of the chunk, so nothing is written twice or sent again.
     */
    private void markFailed(JobExecution execution) {
        for (StepExecution step : execution.getStepExecutions()) {
            if (step.getStatus() == BatchStatus.UNKNOWN || step.getStatus().isRunning()) {
                step.setStatus(BatchStatus.FAILED);
                jobRepository.update(step);
            }
        }
        execution.setStatus(BatchStatus.FAILED);
        jobRepository.update(execution);
    }

    static JobParameters identity(String inputSha256) {
        return new JobParametersBuilder().addString(ErasureJobConfiguration.INPUT_SHA256, inputSha256, true)
                .toJobParameters();
    }
}
