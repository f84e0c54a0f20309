package io.polarerasure.job;

import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;

/**
 * Lets a shutdown hook stop the running step at the next chunk boundary: the calls in flight
 * finish, their chunk commits, and the execution ends STOPPED, ready to resume. (Calling
 * JobOperator.stop from a shutdown hook closes the reader and writer under the running chunk.)
 */
public final class StopSignal implements StepExecutionListener {

    private volatile StepExecution running;
    private volatile boolean requested;

    @Override
    public void beforeStep(StepExecution stepExecution) {
        running = stepExecution;
        if (requested) {
            stepExecution.setTerminateOnly();
        }
    }

    public void request() {
        requested = true;
        StepExecution execution = running;
        if (execution != null) {
            execution.setTerminateOnly();
        }
    }

    public boolean requested() {
        return requested;
    }
}
