package io.polarerasure.job;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;

/**
 * An exclusive lock on one request file's run, held by this process. The operating system releases
 * it when the process dies, even by {@code kill -9}, so holding it proves that no other process on
 * this machine is running the same file: only then may an execution left STARTED be recovered. The holder writes
 * its host, pid and start into the lock file, so that a process refused meanwhile can name it.
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
            channel = StateFolder.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (java.nio.file.FileSystemException e) {
            // A symbolic link or something else planted at the lock's path: never followed, never used.
            throw new RunLockedException("Cannot take the run lock " + file + " (" + e.getMessage() + "): something"
                    + " that is not polar-erasure's lock file is at that path. Check who put it there, remove it, and"
                    + " run the same command again. Nothing was sent.");
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this very process holds it already
        }
        if (lock == null) {
            String holder = holder(channel, stateDir, runKey);
            channel.close();
            throw new RunLockedException("Another polar-erasure process is already running this request file: "
                    + holder + " (lock " + file + "). Wait for it to finish, or stop it, then run the same command"
                    + " again. Nothing was sent.");
        }
        // Who holds it, for the message of a process refused meanwhile: this process, with its start.
        String holder = "host " + RunLease.hostName() + ", pid " + ProcessHandle.current().pid() + ", started "
                + ProcessHandle.current().info().startInstant().map(Instant::toString).orElse("at an unknown time");
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(holder.getBytes(StandardCharsets.UTF_8)), 0);
        return new RunLock(channel, lock);
    }

    /**
     * The holder as it wrote itself into the lock file, and how long ago its live status ({@link LiveStatus},
     * replaced every 2 s while it runs) was last written, e.g. "host vm, pid 42, started 2026-11-30T15:35:49Z,
     * last seen 1 s ago".
     */
    private static String holder(FileChannel channel, Path stateDir, String runKey) {
        String holder;
        try {
            ByteBuffer read = ByteBuffer.allocate(300);
            while (read.hasRemaining() && channel.read(read, read.position()) > 0) {
                // until the buffer is full or the file ends
            }
            holder = new String(read.array(), 0, read.position(), StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            holder = "";
        }
        if (holder.isEmpty() || !holder.startsWith("host ")) {
            return "its host and pid are not recorded (an older version, or it is just starting)";
        }
        try {
            for (LiveStatus live : LiveStatus.all(stateDir)) {
                if (live.runKey().equals(runKey) && holder.contains(", pid " + live.pid() + ",")) {
                    holder += ", last seen " + Math.max(0, Duration.between(live.updatedAt(), Instant.now())
                            .toSeconds()) + " s ago (its live status)";
                }
            }
        } catch (IOException | RuntimeException e) {
            // Without its live status the message names the holder only.
        }
        return holder;
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }

    /** The same request file is being run by another live process. */
    public static final class RunLockedException extends RuntimeException implements OperatorFault {

        private static final long serialVersionUID = 1L;

        /** {@inheritDoc} Another process runs the file: nothing was sent. */
        @Override
        public int exitCode() {
            return ExitCodes.USAGE;
        }

        RunLockedException(String message) {
            super(message);
        }
    }
}
