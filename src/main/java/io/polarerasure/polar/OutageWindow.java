package io.polarerasure.polar;

/**
 * The last N row results, to tell "Polar is down" from "a few rows failed": a count-based window
 * that trips when more than half of it failed. Thread-safe.
 */
final class OutageWindow {

    private final boolean[] failed;
    private int next;
    private int failures;

    OutageWindow(int size) {
        this.failed = new boolean[size];
    }

    /** Records one row's result; true when more than half of the last N rows have now failed. */
    synchronized boolean record(boolean rowFailed) {
        if (failed[next]) {
            failures--;
        }
        failed[next] = rowFailed;
        if (rowFailed) {
            failures++;
        }
        next = (next + 1) % failed.length;
        return failures * 2 > failed.length;
    }

    int size() {
        return failed.length;
    }
}
