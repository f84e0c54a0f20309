package io.polarerasure.polar;

/**
 * Asked by the {@link Eraser} just before each request leaves: the run's lease uses it to stop sending as soon
 * as this process may no longer be the only one running the file.
 */
@FunctionalInterface
public interface SendPermit {

    /** Always allows. */
    SendPermit ALWAYS = rowMayHaveLanded -> { };

    /**
     * Returns if the request may leave.
     *
     * @param rowMayHaveLanded whether an earlier attempt of the row may have erased the customer
     * @throws RuntimeException (a {@link RowFault} carrying that flag) if it may not; nothing is sent
     */
    void check(boolean rowMayHaveLanded);
}
