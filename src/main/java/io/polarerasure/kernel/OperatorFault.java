package io.polarerasure.kernel;

/**
 * A whole-run fault of this program whose message is written for the operator: it says what happened and what to do
 * (free disk space, fix the token, wait for the other process), and carries the exit code the run ends with.
 * Implemented by exceptions; the command line prints {@link #getMessage()} as it is, where any other exception is
 * shown by its root cause. Not sealed: the project is one unnamed module, and the faults live in the packages that
 * find them.
 */
public interface OperatorFault {

    /** The operator's words: what happened and what to do next. */
    String getMessage();

    /** One of {@link ExitCodes}: {@link ExitCodes#USAGE} when nothing was sent, else how the run can go on. */
    int exitCode();

    /** The first operator fault in {@code error}'s cause chain, outermost first. */
    static java.util.Optional<OperatorFault> in(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof OperatorFault fault) {
                return java.util.Optional.of(fault);
            }
        }
        return java.util.Optional.empty();
    }
}
