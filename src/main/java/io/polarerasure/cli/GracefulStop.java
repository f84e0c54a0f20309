package io.polarerasure.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.polarerasure.kernel.ExitCodes;

/**
 * SIGTERM and Ctrl-C: ask the job to stop at the next chunk boundary, wait for the command to
 * finish its report and summary, then end the JVM with the command's own exit code (without this,
 * a signalled JVM always exits 143 and a scheduler cannot tell "stopped, resumable" from a crash).
 */
final class GracefulStop {

    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;
    private volatile int exitCode = ExitCodes.RESUMABLE;

    GracefulStop(Runnable requestStop, long waitSeconds) {
        hook = new Thread(() -> {
            requestStop.run();
            try {
                finished.await(waitSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(exitCode);
        }, "polar-erasure-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The command is done: a signal now exits with this code; without a signal the hook is removed. */
    void finished(int code) {
        exitCode = code;
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is already running and will exit with this code.
        }
    }
}
