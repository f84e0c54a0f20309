package io.polarerasure.job;

/** The invocation contradicts the file's recorded run (another report, another ID column). Nothing was sent. */
public final class RunConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    RunConflictException(String message) {
        super(message);
    }
}
