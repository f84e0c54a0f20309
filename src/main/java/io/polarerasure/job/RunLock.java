package io.polarerasure.job;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on one request file's run, held by this process. The operating system releases
 * it when the process dies, even by {@code kill -9}, so holding it proves that no other process on
 * this machine is running the same file: only then may an execution left STARTED be recovered.
 */
public final class RunLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock for this run key, or throws {@link RunLockedException} if another process holds it. The
     * lock file is created owner-only and never through a symbolic link ({@link StateFolder}).
     *
     * @param stateDir a folder {@link StateFolder#prepare} accepted
     */
    public static RunLock acquire(Path stateDir, String runKey) throws IOException {
        Path file = stateDir.resolve("run-" + runKey + ".lock");
        FileChannel channel;
        try {
            channel = StateFolder.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (java.nio.file.FileSystemException e) {
            // A symbolic link or something else planted at the lock's path: never followed, never used.
            throw new RunLockedException("Cannot take the run lock " + file + " (" + e.getMessage() + "): something"
                    + " that is not polar-erasure's lock file is at that path. Check who put it there, remove it, and"
                    + " run the same command again. Nothing was sent.");
        }
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            throw new RunLockedException("Another polar-erasure process is already running this request file (lock "
                    + file + " is held). Wait for it to finish, or stop it, then run the same command again.");
        }
        return new RunLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }

    /** The same request file is being run by another live process. */
    public static final class RunLockedException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        RunLockedException(String message) {
            super(message);
        }
    }
}
