package io.polarerasure.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded H2 repository's witness: a small file beside it ({@code repository.witness} beside {@code
 * repository.mv.db}) naming the newest store version a chunk of a run committed and synced, and which file that was
 * (the store's creation time). H2 rewrites its own store header only now and then, so after a {@code kill -9} or a
 * power loss a file that lost its newest commits (cut short, or an older copy put back) can still open at a version
 * its header accepts; the witness is kept outside the file, so {@link EmbeddedRepositoryFile#checkIntact} can see that
 * the file no longer holds what the job committed to it, and refuse it before a run sends its rows again.
 *
 * <p>Text, UTF-8: the line {@code polar-erasure repository witness 1}, then {@code created=N} (the store header's
 * creation time, ms since the epoch) and {@code version=N} (the MVStore version, a count that only grows). Written
 * by each chunk's {@link #sync}, so the version it names is on disk before the witness is; replaced
 * atomically, owner-only, without following links. A witness of another file (a repository started afresh, or
 * rewritten by {@code SHUTDOWN COMPACT}, which gives it a new creation time), or one that cannot be read, is ignored.
 */
public final class RepositoryWitness {

    /**
     * What a witness names.
     *
     * @param created the store's creation time (ms since the epoch), from its header
     * @param version the newest MVStore version committed and synced by a chunk
     */
    public record Witnessed(long created, long version) {
    }

    private static final String HEADER = "polar-erasure repository witness 1";
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryWitness.class);

    private RepositoryWitness() {
    }

    /** The witness of an H2 file: {@code /state/repository.mv.db} gives {@code /state/repository.witness}. */
    public static Path fileFor(Path repositoryFile) {
        String name = repositoryFile.getFileName().toString();
        return repositoryFile.resolveSibling(name.replaceFirst("\\.mv\\.db$", "") + ".witness");
    }

    /**
     * Forces the commits of the H2 database behind this connection to disk ({@code CHECKPOINT SYNC}), then records
     * the version that was committed before it in the file's witness; for a database that is not one H2 file (H2 in
     * memory) only the first. The version is read before the sync, so a commit of another thread in between is never
     * named before it is on disk. A witness that cannot be written is only logged: the one left names an older
     * version, which never refuses a sound file.
     *
     * @param connection a connection to an H2 job repository
     * @throws SQLException if H2 cannot sync
     */
    public static void sync(Connection connection) throws SQLException {
        Optional<Path> file = EmbeddedRepositoryFile.of(connection.getMetaData().getURL());
        Optional<Witnessed> committed = file.isPresent() ? committed(connection) : Optional.empty();
        try (Statement statement = connection.createStatement()) {
            statement.execute("CHECKPOINT SYNC");
        }
        if (committed.isPresent()) {
            write(fileFor(file.get()), committed.get());
        }
    }

    /** The store's creation time and newest committed version of the embedded H2 database behind the connection. */
    private static Optional<Witnessed> committed(Connection connection) throws SQLException {
        if (!connection.isWrapperFor(JdbcConnection.class)) {
            return Optional.empty();
        }
        // H2's own objects: its SQL layer does not show the store's creation time.
        if (!(connection.unwrap(JdbcConnection.class).getSession() instanceof SessionLocal session)
                || session.getDatabase().getStore() == null) {
            return Optional.empty();
        }
        MVStore store = session.getDatabase().getStore().getMvStore();
        Long created = created(store.getStoreHeader());
        return created == null ? Optional.empty() : Optional.of(new Witnessed(created, store.getCurrentVersion()));
    }

    /** Writes a witness in place of any earlier one. */
    static void write(Path witness, Witnessed witnessed) {
        Path fresh = witness.resolveSibling(witness.getFileName() + ".new");
        String text = HEADER + "\ncreated=" + witnessed.created() + "\nversion=" + witnessed.version() + "\n";
        try {
            Files.deleteIfExists(fresh);
            try (var out = StateFolder.createNew(fresh)) {
                out.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            }
            Files.move(fresh, witness, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("Could not write the repository's witness {} ({}); the run goes on, and a repository file"
                    + " that loses its newest commits may not be noticed until it is written again", witness,
                    e.toString());
        }
    }

    /** The witness of this H2 file, if there is a readable one; empty when it is missing or unreadable. */
    static Optional<Witnessed> read(Path repositoryFile) {
        Path witness = fileFor(repositoryFile);
        try {
            List<String> lines = Files.readAllLines(witness, StandardCharsets.UTF_8);
            if (lines.size() < 3 || !lines.get(0).equals(HEADER) || !lines.get(1).startsWith("created=")
                    || !lines.get(2).startsWith("version=")) {
                return Optional.empty();
            }
            return Optional.of(new Witnessed(Long.parseLong(lines.get(1).substring(8)),
                    Long.parseLong(lines.get(2).substring(8))));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The creation time in an MVStore header: a number while the store is new, H2's hexadecimal text once the header
     * was read back from the file; null when absent or unreadable.
     */
    static Long created(Map<String, Object> header) {
        Object created = header.get("created");
        if (created instanceof Number number) {
            return number.longValue();
        }
        try {
            return created == null ? null : Long.parseLong(created.toString(), 16);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
