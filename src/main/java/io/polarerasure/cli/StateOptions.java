package io.polarerasure.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.polarerasure.job.EmbeddedRepositoryFile;
import io.polarerasure.job.StateFolder;

import org.springframework.core.env.StandardEnvironment;
import picocli.CommandLine.Option;

/** Where the job repository lives; every command takes these so that all of them find the same runs. */
final class StateOptions {

    /**
     * DB_CLOSE_ON_EXIT=FALSE lets the stop hook still write the final status. WRITE_DELAY=0 writes each
     * commit out at once: by default H2 keeps commits in memory for up to half a second, so a kill -9
     * could lose a checkpoint after the journal of its chunk was emptied, and the chunk's rows were
     * then re-sent as if new.
     */
    // MAX_COMPACT_TIME: up to 15 s (default 200 ms) to compact the file when the last connection closes. With
    // WRITE_DELAY=0 H2 has no background writer, so nothing compacts during a run: a 100,000-row run with no rate
    // limit left a 325 MB file of which 19 MB was live; with this, 34 MB (2026-12-01, design.md).
    private static final String H2_SETTINGS = ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0;MAX_COMPACT_TIME=15000";

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Folder of the embedded H2 job repository, run locks, journals and input snapshots"
                    + " (default: $POLAR_ERASURE_STATE_DIR, else $XDG_STATE_HOME/polar-erasure, else"
                    + " ~/.local/state/polar-erasure). Created owner-only; refused if another user owns it or others"
                    + " can write into it.")
    Path stateDirOption; // read through stateDir(), which applies the default

    @Option(names = "--jdbc-url", paramLabel = "URL",
            description = "JDBC URL of a PostgreSQL job repository instead of the embedded H2, e.g."
                    + " jdbc:postgresql://db:5432/erasure. Credentials from SPRING_DATASOURCE_USERNAME and"
                    + " SPRING_DATASOURCE_PASSWORD.")
    String jdbcUrl;

    /** The state folder: the one given, else the default ({@link StateFolder#defaultPath}); absolute. */
    Path stateDir() {
        if (stateDirOption != null && stateDirOption.toString().isBlank()) {
            // Path.of("") is the current folder: a state folder wherever the command happens to run.
            throw new UsageException("--state-dir is empty: give the folder the runs are recorded in (or leave the"
                    + " option out for the default one). Nothing was done.");
        }
        return stateDirOption != null ? stateDirOption.toAbsolutePath()
                : StateFolder.defaultPath(System.getenv(), System.getProperty("user.home"));
    }

    /**
     * The state folder, created owner-only if missing, refused if it could be planted (see {@link StateFolder}).
     *
     * @throws UsageException if it cannot be used; the message says why and what to do
     */
    Path ownerOnlyStateDir() {
        try {
            Path prepared = StateFolder.prepare(stateDir());
            if (!Files.isWritable(prepared)) {
                throw new UsageException("The state folder " + prepared + " is not writable by this user: the"
                        + " run could not record anything. Fix its owner or permissions, or pass another"
                        + " --state-dir, then run again. Nothing was sent.");
            }
            return prepared;
        } catch (StateFolder.UnsafeStateFolderException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * Whether another process holds the embedded H2 repository open now. H2 locks its {@code repository.mv.db}
     * while a process has it open, and one process at a time may; a run writes its live status file only some
     * seconds after it opened the repository (and a finishing run, {@code abandon} or {@code prune} write none),
     * so a reader in that window would otherwise fail to open it. Takes the lock for an instant and writes
     * nothing; false with PostgreSQL, when there is no repository yet, or when the file cannot be opened (the
     * normal path then explains).
     */
    boolean embeddedRepositoryInUse() {
        Path file = stateDir().resolve("repository.mv.db");
        if (jdbcUrl != null || !Files.isRegularFile(file)) {
            return false;
        }
        try {
            return EmbeddedRepositoryFile.heldByAnotherProcess(file);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Refuses a damaged or unusable embedded repository file before H2 opens it, which would replace it with what is
     * left of it ({@link EmbeddedRepositoryFile}): the state folder's, or the file a {@code --jdbc-url jdbc:h2:...}
     * names; nothing to check with PostgreSQL.
     *
     * @throws EmbeddedRepositoryFile.RepositoryFileException if it is damaged or unusable (exit 2)
     */
    void checkEmbeddedRepository() {
        embeddedFile().ifPresent(EmbeddedRepositoryFile::checkIntact);
    }

    /** The H2 file the repository is kept in: the state folder's, or the one {@code --jdbc-url} names; else empty. */
    Optional<Path> embeddedFile() {
        return jdbcUrl == null ? Optional.of(stateDir().resolve("repository.mv.db"))
                : EmbeddedRepositoryFile.of(jdbcUrl);
    }

    /**
     * Where the runs are recorded, for messages and the run's provenance: the JDBC URL the data source gets (without
     * credentials), or the state folder's embedded database.
     */
    String describe() {
        String url = effectiveJdbcUrl();
        return url != null ? withoutCredentials(url) : stateDir().resolve("repository").toString();
    }

    /**
     * The JDBC URL the job repository's data source gets: a {@code spring.datasource.url} given as a system property
     * or an environment variable ({@code SPRING_DATASOURCE_URL}), which Spring Boot lets override the command line,
     * else {@code --jdbc-url}; null for the state folder's embedded database.
     */
    String effectiveJdbcUrl() {
        String outside = new StandardEnvironment().getProperty("spring.datasource.url");
        return outside != null && !outside.isBlank() ? outside : jdbcUrl;
    }

    /** A JDBC URL as it may be printed: without a password or user given in it. */
    static String withoutCredentials(String url) {
        return url.replaceAll("(?i)([?&;](password|user)=)[^&;]*", "$1***");
    }

    /** The JDBC URL of the state folder's embedded H2 repository (user {@code sa}, no password). */
    String embeddedUrl() {
        return "jdbc:h2:file:" + stateDir().resolve("repository") + H2_SETTINGS;
    }

    /** Spring properties for the data source; user and password stay in the environment. */
    Map<String, Object> dataSourceProperties(int poolSize) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("spring.datasource.url", jdbcUrl != null ? jdbcUrl : embeddedUrl());
        if (jdbcUrl == null) {
            properties.put("spring.datasource.username", "sa");
        }
        properties.put("spring.datasource.hikari.maximum-pool-size", poolSize);
        // Opened as needed: Hikari otherwise opens the whole pool (36 under --concurrency auto) at once.
        properties.put("spring.datasource.hikari.minimum-idle", Math.min(poolSize, 4));
        return properties;
    }
}
