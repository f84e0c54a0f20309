package io.polarerasure.job;

import java.util.Optional;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.transaction.TransactionException;

/** Whether a failure means the job repository's database went away, or another process took the run over. */
public final class RepositoryLoss {

    private RepositoryLoss() {
    }

    /** What to tell the operator when the job repository's database went away: empty for other failures. */
    public static Optional<String> of(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof OptimisticLockingFailureException) {
                // Someone else wrote this run's execution: another process took it over (its lease had expired).
                return Optional.of("another process changed this run in the job repository (it took the run over"
                        + " after this one lost its lease: see the log). Check with `status` who holds it now");
            }
            if (t instanceof DataAccessException || t instanceof TransactionException) {
                return Optional.of("lost the connection to the job repository (" + t.getClass().getSimpleName()
                        + "). Check that the database answers");
            }
        }
        return Optional.empty();
    }
}
