package io.polarerasure.cli;

/** A problem the operator must fix before anything is sent; exit code 2. The message says what to do. */
final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
