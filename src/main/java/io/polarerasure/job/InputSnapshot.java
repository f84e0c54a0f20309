package io.polarerasure.job;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.UUID;

import io.polarerasure.kernel.Sha256;

/**
 * The run's own copy of its request file, in the state folder: every execution of the run reads this copy,
 * never the operator's path, so a file rewritten, renamed over or deleted after the start changes nothing in
 * the run (an export tool writing the next file under the same name would otherwise be read half-way through
 * a run that hashed the old one). The copy is made while hashing it, in one read, owner-only and without
 * following links ({@link StateFolder}); it is deleted when the run completes or is abandoned. It holds
 * customers' external IDs, like the journal beside it.
 */
public final class InputSnapshot {

    private InputSnapshot() {
    }

    /**
     * A copy not yet in place.
     *
     * @param file   the temporary copy in the state folder
     * @param sha256 SHA-256 of exactly the bytes copied, lowercase hex
     */
    public record Copy(Path file, String sha256) {
    }

    /** The snapshot of a run (see {@link RunIdentity#key()}) in a state folder. */
    public static Path fileFor(Path stateDir, String runKey) {
        return stateDir.resolve("input-" + runKey + ".snapshot");
    }

    /**
     * Copies the request file into a new temporary file of the state folder, hashing what it copies.
     *
     * @param stateDir a folder {@link StateFolder#prepare} accepted
     * @throws IOException if the input cannot be read or the copy cannot be written; no temporary file is left
     */
    public static Copy copy(Path input, Path stateDir) throws IOException {
        Path temporary = stateDir.resolve("input-" + UUID.randomUUID() + ".tmp");
        MessageDigest digest = Sha256.newDigest();
        try (InputStream in = Files.newInputStream(input);
             FileChannel out = StateFolder.createNew(temporary)) {
            byte[] buffer = new byte[256 * 1024];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
                ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, read);
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
            }
            // On disk before the run relies on it: a resume after a machine crash reads it again.
            out.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        return new Copy(temporary, Sha256.hex(digest));
    }

    /** Moves a copy into place as the run's snapshot, replacing an earlier copy of the same bytes. */
    public static Path place(Copy copy, Path snapshot) throws IOException {
        return Files.move(copy.file(), snapshot, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Deletes a snapshot: its run completed or was abandoned. */
    public static void delete(Path snapshot) {
        try {
            Files.deleteIfExists(snapshot);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Cannot delete the input snapshot " + snapshot + " of a finished"
                    + " run: " + e.getMessage() + ". Delete it by hand; it holds customers' external IDs.", e);
        }
    }
}
