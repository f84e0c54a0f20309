package io.polarerasure.polar;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

import io.github.resilience4j.core.IntervalFunction;

/**
 * The wait before a retry: exponential from {@link PolarSettings#initialBackoff()} (doubling), capped at
 * {@link PolarSettings#maxBackoff()}, with jitter: a random wait between half and all of the step. Thread-safe as
 * far as its {@link Random} is.
 */
final class Backoff {

    private static final double MULTIPLIER = 2.0;

    private final IntervalFunction steps;
    private final Random random;

    Backoff(PolarSettings settings, Random random) {
        this.steps = IntervalFunction.ofExponentialBackoff(settings.initialBackoff(), MULTIPLIER,
                settings.maxBackoff());
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The wait before attempt {@code attempt} (2 for the first retry). */
    Duration before(int attempt) {
        long step = steps.apply(attempt - 1);
        return Duration.ofMillis(step - (long) (random.nextDouble() * (step / 2)));
    }
}
