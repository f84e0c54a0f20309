package io.polarerasure.job;

import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;

/**
 * Saves a restarted step's inherited checkpoint (reader position, committed report bytes) as soon as
 * the step starts. Spring Batch 6 copies the previous execution's context into the new one but saves
 * it only at the first commit, so a restart that died before committing left an empty context, and
 * the next restart began again at row 1: rows already in the report were read, and sent, again.
 */
final class InheritedCheckpoint implements StepExecutionListener {

    private final JobRepository jobRepository;

    InheritedCheckpoint(JobRepository jobRepository) {
        this.jobRepository = jobRepository;
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        jobRepository.updateExecutionContext(stepExecution);
    }
}
