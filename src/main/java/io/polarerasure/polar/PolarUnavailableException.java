package io.polarerasure.polar;

/**
 * Polar is plainly down: most recent rows failed even after retries. The run stops as resumable
 * instead of marking every remaining row FAILED; rows already answered keep their results.
 */
public final class PolarUnavailableException extends RuntimeException {

    PolarUnavailableException(String message) {
        super(message);
    }
}
