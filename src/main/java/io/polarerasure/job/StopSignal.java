package io.polarerasure.job;

import io.polarerasure.polar.Eraser;
import io.polarerasure.polar.StopRequestedException;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;

/**
 * Lets a shutdown hook stop the running step at the next chunk boundary: the calls in flight
 * finish, their chunk commits, and the execution ends STOPPED, ready to resume. (Calling
 * JobOperator.stop from a shutdown hook closes the reader and writer under the running chunk.)
 * Rows of the chunk still waiting for their turn or a 429 pause give up instead of sending
 * (see {@link Eraser#stopSending()}): that chunk then rolls back, its answered rows stay in the
 * journal, and the step still ends STOPPED rather than FAILED.
 */
public final class StopSignal implements StepExecutionListener {

    private final Eraser eraser;
    private volatile StepExecution running;
    private volatile boolean requested;

    public StopSignal(Eraser eraser) {
        this.eraser = eraser;
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        running = stepExecution;
        if (requested) {
            stepExecution.setTerminateOnly();
        }
    }

    public void request() {
        requested = true;
        eraser.stopSending();
        StepExecution execution = running;
        if (execution != null) {
            execution.setTerminateOnly();
        }
    }

    /** A chunk that failed only because its waiting rows gave up on the stop request: that is a stop. */
    @Override
    public ExitStatus afterStep(StepExecution stepExecution) {
        if (requested && stepExecution.getStatus() == BatchStatus.FAILED
                && !stepExecution.getFailureExceptions().isEmpty()
                && stepExecution.getFailureExceptions().stream().allMatch(StopSignal::causedByStop)) {
            stepExecution.setStatus(BatchStatus.STOPPED);
            return ExitStatus.STOPPED;
        }
        return null;
    }

    private static boolean causedByStop(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StopRequestedException) {
                return true;
            }
        }
        return false;
    }
}
