package io.polarerasure.job;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;

/**
 * An embedded H2 job repository's file ({@code repository.mv.db}), checked before H2 opens it for writing. H2 opens a
 * file whose newest commits are gone (cut short by a full disk or an interrupted copy, or overwritten) at the newest
 * version it can still read, down to an empty database when none is left, and then writes over the rest: the
 * record of earlier runs (which rows were sent, which answers came back) would be lost without a word, and a run
 * could start again from row 1. So a file that cannot be read back to the version its own header names is refused
 * and left as it is; so are an empty file, one H2 cannot read, one this user may not read and write, and a symbolic
 * link to nothing (a volume not mounted), which H2 would take for a new, empty repository.
 *
 * <p>The check opens the file read-only with H2's MVStore (the storage under H2's SQL layer, H2 2.4): the store
 * header's {@code version} is the newest version H2 had written when it last wrote the header, and a sound file
 * opens at that version or a newer one (newer chunks are found by following the chain from the header's chunk).
 * H2 writes its header only now and then, so a file cut short after an unclean stop (kill -9, power loss) may lose
 * commits made after the header was last written and still open at its header's version: the {@link
 * RepositoryWitness} beside the file names the newest version a run's chunk committed, and a file of the same
 * creation that opens at an older one is refused too. What it cannot see: damage inside pages, found only when H2
 * reads them, and commits lost after the last chunk's (a run's end, a prune).
 */
public final class EmbeddedRepositoryFile {

    /** An H2 file starts with two copies of its 4 KiB store header. */
    private static final long HEADERS = 2 * 4096;

    /** How long a file shorter than its headers is given to grow before it is called damaged. */
    private static final long CREATION_GRACE_MILLIS = 500;

    /**
     * {@code jdbc:h2:PATH[;settings]} where PATH names one file on disk, after any of H2's prefixes for plain files on
     * disk ({@code file:}, {@code nio:}, {@code nioMapped:}, {@code async:}); not {@code mem:}, {@code tcp:},
     * {@code ssl:}, {@code zip:}, {@code split:} (several files) or {@code encrypt:} (unreadable without its key).
     */
    private static final Pattern FILE_URL = Pattern.compile(
            "(?i)jdbc:h2:(?:(?:file|nio|niomapped|async):)*(?![a-z]{2,}:)([^;]+)(;.*)?");

    private EmbeddedRepositoryFile() {
    }

    /**
     * The file of an H2 JDBC URL that names one, e.g. {@code jdbc:h2:file:/data/repository;WRITE_DELAY=0} gives
     * {@code /data/repository.mv.db} ({@code ~} is the user's home folder); empty for any other URL (in memory,
     * over TCP, another database).
     */
    public static Optional<Path> of(String jdbcUrl) {
        Matcher matcher = FILE_URL.matcher(jdbcUrl.strip());
        if (!matcher.matches()) {
            return Optional.empty();
        }
        String name = matcher.group(1);
        if (name.startsWith("~")) {
            name = System.getProperty("user.home") + name.substring(1);
        }
        return Optional.of(Path.of(name + ".mv.db").toAbsolutePath());
    }

    /**
     * Refuses a damaged or unusable repository file; a missing one (no run yet), or one another process has open (it
     * opened it, checked, and the caller's open will wait or say "in use"), passes.
     *
     * @param file an H2 {@code .mv.db} file, e.g. the state folder's {@code repository.mv.db}
     * @throws RepositoryFileException if the file is empty, cannot be read, opens at an older version than its
     *                                 header names, may not be read and written by this user, or is a symbolic link
     *                                 to nothing; the message names the file and what to do
     */
    public static void checkIntact(Path file) {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.exists(file)) {
            throw new RepositoryFileException("The embedded job repository " + file + " is a symbolic link to "
                    + target(file) + ", which does not exist (a volume not mounted, a folder moved?). H2 would"
                    + " start an empty repository there, without the record of earlier runs, so nothing was opened"
                    + " and nothing was sent. Make the link's target available again and run again; to start"
                    + " afresh on purpose, remove the link first.");
        }
        if (!Files.isRegularFile(file)) {
            return; // A folder in its place: H2 says so itself ("Is a directory").
        }
        if (!Files.isReadable(file) || !Files.isWritable(file)) {
            String what = "The embedded job repository " + file + " cannot be " + (Files.isReadable(file) ? "written"
                    : "read") + " by this user (" + owner(file) + "). The file itself may be sound: keep it. ";
            throw new RepositoryFileException(what + (ownedByThisUser(file)
                    ? "Give yourself read and write access (chmod u+rw " + file + "), then run again."
                    : "Run the command as the user that owns it (the one the job usually runs as), or give that user"
                    + " the file (chown), then run again.") + " Nothing was sent.");
        }
        long size;
        try {
            size = Files.size(file);
            if (size < HEADERS) {
                // Also what another process's H2 leaves for an instant while it creates the file and writes its
                // headers: such a file is locked, or has grown a moment later.
                if (heldByAnotherProcess(file)) {
                    return;
                }
                Thread.sleep(CREATION_GRACE_MILLIS);
                size = Files.size(file);
                if (size >= HEADERS || heldByAnotherProcess(file)) {
                    return; // Checked by the process creating it, or by this one's own open once it can.
                }
            }
        } catch (IOException e) {
            return; // The open that follows explains an unreadable file in its own words.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (size == 0) {
            throw damaged(file, "it is empty (0 bytes)");
        }
        if (size < HEADERS) {
            throw damaged(file, "it is too short to be an H2 database file (" + size + " bytes; H2 starts a file"
                    + " with " + HEADERS + " bytes of headers)");
        }
        try (MVStore store = new MVStore.Builder().fileName(file.toString()).readOnly().open()) {
            Map<String, Object> header = store.getStoreHeader();
            // H2 leaves the version out of a header it wrote while chunks were still being added.
            Object named = header.get("version");
            long headerVersion = named == null ? 0 : Long.parseLong(named.toString(), 16);
            long readable = store.getCurrentVersion();
            if (readable < headerVersion) {
                throw damaged(file, "its header names version " + headerVersion + " but only version " + readable
                        + " can be read (" + size + " bytes left; the file was cut short or overwritten)");
            }
            Long created = RepositoryWitness.created(header);
            Optional<RepositoryWitness.Witnessed> witnessed = RepositoryWitness.read(file);
            if (created != null && witnessed.isPresent() && witnessed.get().created() == created
                    && readable < witnessed.get().version()) {
                throw behindWitness(file, witnessed.get().version(), readable, size);
            }
        } catch (MVStoreException e) {
            switch (e.getErrorCode()) {
                case DataUtils.ERROR_FILE_LOCKED -> {
                    return;
                }
                case DataUtils.ERROR_READING_FAILED -> throw damaged(file, "it is not an H2 database file, or was"
                        + " cut short inside its first chunks");
                case DataUtils.ERROR_UNSUPPORTED_FORMAT -> throw damaged(file, "it is not in a format H2 2.4 reads");
                default -> throw damaged(file, "H2 cannot read it (" + e.getMessage() + ")");
            }
        } catch (OverlappingFileLockException e) {
            // Open in this JVM already (the tests run commands in-process), so it was checked when opened.
        } catch (NumberFormatException e) {
            throw damaged(file, "its header is unreadable");
        }
    }

    /**
     * The refusal of a repository file H2 itself found corrupted while opening it (H2's error 90030, "File
     * corrupted"): damage inside pages that {@link #checkIntact} does not read.
     */
    public static RepositoryFileException corrupted(Path file, String h2Message) {
        return new RepositoryFileException("The embedded job repository " + file + " is damaged: H2 found it"
                + " corrupted while opening it (" + h2Message + "). Nothing was sent. Copy the file somewhere safe"
                + " before anything else (H2 may write to it on every attempt to open it), then restore it from a"
                + " backup; H2's recovery tool (org.h2.tools.Recover, in the H2 2.4 jar) can extract what is left"
                + " as SQL. The audit reports already written stay your evidence of earlier runs.");
    }

    private static RepositoryFileException behindWitness(Path file, long committed, long readable, long size) {
        Path witness = RepositoryWitness.fileFor(file);
        return new RepositoryFileException("The embedded job repository " + file + " has lost its newest commits:"
                + " runs committed and synced version " + committed + " of it (" + witness + " says so), but only"
                + " version " + readable + " can be read (" + size + " bytes). It was cut short after an unclean stop"
                + " (a kill, a power loss, a full disk) or an older copy of it was put back. Opening it would forget"
                + " which rows those commits recorded as sent, and a run would send them again, so it was left"
                + " untouched and nothing was sent. Put back the newest copy of the file if there is one. If you"
                + " restored an older backup on purpose, read the reports of the runs since that backup first (their"
                + " rows would be sent again), then delete " + witness + " and run again.");
    }

    private static RepositoryFileException damaged(Path file, String problem) {
        return new RepositoryFileException("The embedded job repository " + file + " is damaged: " + problem
                + ". Opening it would replace the record of earlier runs with what is left, so it was left"
                + " untouched and nothing was sent. Restore the file from a backup, or look for another copy"
                + " of it; the audit reports already written stay your evidence of those runs. To start afresh"
                + " without that record, move it away (e.g. mv " + file + " " + file + ".damaged) and run again:"
                + " the job then no longer knows what earlier runs sent, so read their reports before running"
                + " one of their files again.");
    }

    private static String target(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "a path";
        }
    }

    /**
     * Whether another process (or this JVM) holds H2's lock on the file: it has the repository open.
     *
     * @throws IOException if the file cannot be opened to try the lock
     */
    public static boolean heldByAnotherProcess(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        }
    }

    private static boolean ownedByThisUser(Path file) {
        try {
            return Files.getOwner(file).getName().equals(System.getProperty("user.name"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static String owner(Path file) {
        try {
            return "it belongs to user " + Files.getOwner(file).getName() + ", mode "
                    + String.format("%04o", ((Integer) Files.getAttribute(file, "unix:mode")) & 07777);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "check its owner and mode";
        }
    }

    /** The embedded repository's file is damaged or unusable: exit 2, nothing sent, the file left as it was. */
    public static final class RepositoryFileException extends RuntimeException implements OperatorFault {

        private static final long serialVersionUID = 1L;

        RepositoryFileException(String message) {
            super(message);
        }

        /** {@inheritDoc} A usage error: nothing was sent; the operator restores, moves or gives back the file. */
        @Override
        public int exitCode() {
            return ExitCodes.USAGE;
        }
    }
}
