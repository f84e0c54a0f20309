package io.polarerasure.job;

import java.io.IOException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;

/**
 * The embedded job repository's file ({@code repository.mv.db}), checked before H2 opens it for writing. H2 opens a
 * file whose newest commits are gone (cut short by a full disk or an interrupted copy, or overwritten) at the newest
 * version it can still read, down to an empty database when none is left, and then writes over the rest: the
 * record of earlier runs (which rows were sent, which answers came back) would be lost without a word, and a run
 * could start again from row 1. So a file that cannot be read back to the version its own header names is refused
 * and left as it is.
 *
 * <p>The check opens the file read-only with H2's MVStore (the storage under H2's SQL layer, H2 2.4): the store
 * header's {@code version} is the newest version H2 had written when it last wrote the header, and a sound file
 * opens at that version or a newer one (newer chunks are found by following the chain from the header's chunk).
 */
public final class EmbeddedRepositoryFile {

    private EmbeddedRepositoryFile() {
    }

    /**
     * Refuses a damaged repository file; a missing one (no run yet), or one another process has open (it opened it,
     * checked, and the caller's open will wait or say "in use"), passes.
     *
     * @param file the {@code repository.mv.db} of the state folder
     * @throws DamagedRepositoryException if the file is empty, cannot be read, or opens at an older version than its
     *                                    header names; the message names the file and what to do
     */
    public static void checkIntact(Path file) {
        long size;
        try {
            if (!Files.isRegularFile(file)) {
                return;
            }
            size = Files.size(file);
        } catch (IOException e) {
            return; // The open that follows explains an unreadable file in its own words.
        }
        if (size == 0) {
            throw damaged(file, "it is empty (0 bytes)");
        }
        try (MVStore store = new MVStore.Builder().fileName(file.toString()).readOnly().open()) {
            Map<String, Object> header = store.getStoreHeader();
            Object named = header.get("version");
            if (named == null) {
                return;
            }
            long headerVersion = Long.parseLong(named.toString(), 16);
            long readable = store.getCurrentVersion();
            if (readable < headerVersion) {
                throw damaged(file, "its header names version " + headerVersion + " but only version " + readable
                        + " can be read (" + size + " bytes left; the file was cut short or overwritten)");
            }
        } catch (MVStoreException e) {
            if (e.getErrorCode() == DataUtils.ERROR_FILE_LOCKED) {
                return;
            }
            throw damaged(file, "H2 cannot read it (" + e.getMessage() + ")");
        } catch (OverlappingFileLockException e) {
            // Open in this JVM already (the tests run commands in-process), so it was checked when opened.
        } catch (NumberFormatException e) {
            throw damaged(file, "its header is unreadable");
        }
    }

    private static DamagedRepositoryException damaged(Path file, String problem) {
        return new DamagedRepositoryException("The embedded job repository " + file + " is damaged: " + problem
                + ". Opening it would replace the record of earlier runs with what is left, so it was left"
                + " untouched and nothing was sent. Restore the file from a backup, or look for another copy"
                + " of it; the audit reports already written stay your evidence of those runs. To start afresh"
                + " without that record, move it away (e.g. mv " + file + " " + file + ".damaged) and run again:"
                + " the job then no longer knows what earlier runs sent, so read their reports before running"
                + " one of their files again.");
    }

    /** The embedded repository's file is damaged: exit 2, nothing sent, the file left as it was. */
    public static final class DamagedRepositoryException extends RuntimeException implements OperatorFault {

        private static final long serialVersionUID = 1L;

        DamagedRepositoryException(String message) {
            super(message);
        }

        /** {@inheritDoc} A usage error: nothing was sent; the operator restores or moves the file first. */
        @Override
        public int exitCode() {
            return ExitCodes.USAGE;
        }
    }
}
