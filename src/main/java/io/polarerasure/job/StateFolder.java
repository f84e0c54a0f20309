package io.polarerasure.job;

import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state folder: the embedded job repository, run locks, journals and input snapshots live there, so
 * whoever can write into it can make a report lie (a journal planted between a stop and a resume reports
 * DELETED for rows never sent; a symlink at a temporary path makes the job overwrite its target).
 *
 * <p>Rules: a missing folder is created owner-only; an existing one must be a folder owned by this user that
 * neither its group nor others can write, and its mode is never changed (it may be a shared folder another
 * program relies on). Every file the job creates in it is created without following symbolic links and
 * owner-only, whatever the umask (the umask can only take bits away from 600).
 */
public final class StateFolder {

    /** The environment variable that names the state folder when {@code --state-dir} is not given. */
    public static final String ENVIRONMENT_VARIABLE = "POLAR_ERASURE_STATE_DIR";

    private static final Set<PosixFilePermission> OWNER_ONLY_FOLDER = PosixFilePermissions.fromString("rwx------");
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private StateFolder() {
    }

    /**
     * The default state folder, independent of the current folder: {@code $POLAR_ERASURE_STATE_DIR}, else
     * {@code $XDG_STATE_HOME/polar-erasure}, else {@code $HOME/.local/state/polar-erasure} (the XDG Base
     * Directory specification's place for state that should persist between restarts).
     *
     * @param environment the process environment; {@code userHome} is used when it has no {@code HOME}
     */
    public static Path defaultPath(Map<String, String> environment, String userHome) {
        String explicit = environment.get(ENVIRONMENT_VARIABLE);
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath();
        }
        String xdg = environment.get("XDG_STATE_HOME");
        // The specification says a relative value is invalid and must be ignored.
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "polar-erasure");
        }
        String home = environment.getOrDefault("HOME", userHome);
        return Path.of(home, ".local", "state", "polar-erasure").toAbsolutePath();
    }

    /**
     * Creates the folder owner-only if it is missing, or checks that an existing one cannot be planted.
     *
     * @return the folder as an absolute path
     * @throws UnsafeStateFolderException if it cannot be created, is not a folder, belongs to another user, or its
     *                                    group or others can write into it
     */
    public static Path prepare(Path folder) {
        Path dir = folder.toAbsolutePath();
        boolean posix;
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir.getParent());
                posix = Files.getFileStore(dir.getParent()).supportsFileAttributeView("posix");
                try {
                    Files.createDirectory(dir, posix ? new FileAttribute<?>[] {
                            PosixFilePermissions.asFileAttribute(OWNER_ONLY_FOLDER)} : new FileAttribute<?>[0]);
                } catch (FileAlreadyExistsException raced) {
                    // Made by another process meanwhile: checked below like any existing folder.
                }
            }
            if (!Files.isDirectory(dir)) {
                throw new UnsafeStateFolderException("The state folder " + dir + " is not a folder. Choose a folder"
                        + " with --state-dir (or " + ENVIRONMENT_VARIABLE + ") and run again. Nothing was sent.");
            }
            posix = Files.getFileStore(dir).supportsFileAttributeView("unix");
            if (posix) {
                check(dir);
            }
            return dir;
        } catch (IOException e) {
            throw new UnsafeStateFolderException("Cannot create or inspect the state folder " + dir + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "). Choose a folder you own with"
                    + " --state-dir (or " + ENVIRONMENT_VARIABLE + ") and run again. Nothing was sent.");
        }
    }

    /** Follows a symbolic link to the folder itself: what matters is who can write where the files go. */
    private static void check(Path dir) throws IOException {
        int owner = (Integer) Files.getAttribute(dir, "unix:uid");
        int mode = (Integer) Files.getAttribute(dir, "unix:mode");
        long me = currentUid();
        List<String> problems = new ArrayList<>();
        if (owner != me) {
            problems.add("it belongs to user id " + owner + ", not to this user (id " + me + ")");
        }
        if ((mode & 0022) != 0) {
            problems.add("its group or other users can write into it (mode "
                    + String.format("%04o", mode & 07777) + ")");
        }
        if (!problems.isEmpty()) {
            throw new UnsafeStateFolderException("Refusing the state folder " + dir + ": " + String.join(" and ",
                    problems) + ", so another user could plant a journal, lock or snapshot in it and make the"
                    + " report claim what did not happen. Use a folder of your own that only you can write"
                    + " (e.g. mkdir -m 700 DIR, then --state-dir DIR), or let the job create the default one;"
                    + " its mode is never changed for you. Nothing was sent.");
        }
    }

    /** This process's user id: the owner of the files it creates. */
    private static long currentUid() throws IOException {
        return new com.sun.security.auth.module.UnixSystem().getUid();
    }

    /**
     * Creates a new file owner-only, failing if anything (a file, a symbolic link) is already at the path.
     *
     * @throws FileAlreadyExistsException if the path is taken
     */
    public static FileChannel createNew(Path file, OpenOption... more) throws IOException {
        List<OpenOption> options = new ArrayList<>(List.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS));
        options.addAll(List.of(more));
        return FileChannel.open(file, Set.copyOf(options), ownerOnly(file));
    }

    /**
     * Opens a file of the state folder, creating it owner-only if missing; never follows a symbolic link
     * (the open fails with ELOOP instead).
     */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        List<OpenOption> all = new ArrayList<>(List.of(options));
        all.add(LinkOption.NOFOLLOW_LINKS);
        return FileChannel.open(file, Set.copyOf(all), ownerOnly(file));
    }

    /**
     * Takes group and others' permissions away from these files of the folder where they have any: the embedded H2
     * creates its files with the process's umask (readable by every local user under the usual 022), and they hold
     * external IDs. Files that are missing or symbolic links are left alone.
     *
     * @throws IOException if a file's permissions cannot be read or changed
     */
    public static void keepOwnerOnly(Path dir, String... names) throws IOException {
        if (!Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            return;
        }
        for (String name : names) {
            Path file = dir.resolve(name);
            Set<PosixFilePermission> ownerOnly = OWNER_ONLY_FILE.value();
            if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                    && !Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS).equals(ownerOnly)) {
                Files.setPosixFilePermissions(file, ownerOnly);
            }
        }
    }

    private static FileAttribute<?>[] ownerOnly(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        return Files.getFileStore(parent).supportsFileAttributeView("posix")
                ? new FileAttribute<?>[] {OWNER_ONLY_FILE} : new FileAttribute<?>[0];
    }

    /** The state folder could be planted or cannot be used; nothing was sent. */
    public static final class UnsafeStateFolderException extends RuntimeException implements OperatorFault {

        private static final long serialVersionUID = 1L;

        /** {@inheritDoc} Found before anything was sent. */
        @Override
        public int exitCode() {
            return ExitCodes.USAGE;
        }

        UnsafeStateFolderException(String message) {
            super(message);
        }
    }
}
