package io.polarerasure.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import picocli.CommandLine.Option;

/** Where the job repository lives; every command takes these so that all of them find the same runs. */
final class StateOptions {

    /**
     * DB_CLOSE_ON_EXIT=FALSE lets the stop hook still write the final status. WRITE_DELAY=0 writes each
     * commit out at once: by default H2 keeps commits in memory for up to half a second, so a kill -9
     * could lose a checkpoint after the journal of its chunk was emptied, and the chunk's rows were
     * then re-sent as if new.
     */
    private static final String H2_SETTINGS = ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".polar-erasure",
            description = "Folder of the embedded H2 job repository and the run locks (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--jdbc-url", paramLabel = "URL",
            description = "JDBC URL of a PostgreSQL job repository instead of the embedded H2, e.g."
                    + " jdbc:postgresql://db:5432/erasure. Credentials from SPRING_DATASOURCE_USERNAME and"
                    + " SPRING_DATASOURCE_PASSWORD.")
    String jdbcUrl;

    /**
     * The state folder, created or tightened so that only its owner can enter it: the H2 repository in it holds
     * the job parameters and every row's outcome, and H2 creates its files with the default umask.
     *
     * @throws UsageException if the folder cannot be created or its permissions cannot be changed
     */
    Path ownerOnlyStateDir() {
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rwx------");
        try {
            Files.createDirectories(stateDir);
            if (Files.getFileStore(stateDir).supportsFileAttributeView("posix")
                    && !Files.getPosixFilePermissions(stateDir).equals(ownerOnly)) {
                Files.setPosixFilePermissions(stateDir, ownerOnly);
            }
            return stateDir;
        } catch (IOException e) {
            throw new UsageException("Cannot make the state folder " + stateDir.toAbsolutePath() + " private to this"
                    + " user (" + e.getClass().getSimpleName() + ": " + e.getMessage() + "). Choose a folder you own"
                    + " with --state-dir, or fix its owner, and run again. Nothing was sent.");
        }
    }

    /** Where the runs are recorded, for messages: the JDBC URL or the state folder. */
    String describe() {
        return jdbcUrl != null ? jdbcUrl : stateDir.toAbsolutePath().toString();
    }

    /** Spring properties for the data source; user and password stay in the environment. */
    Map<String, Object> dataSourceProperties(int poolSize) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("spring.datasource.url", jdbcUrl != null ? jdbcUrl
                : "jdbc:h2:file:" + stateDir.toAbsolutePath().resolve("repository") + H2_SETTINGS);
        if (jdbcUrl == null) {
            properties.put("spring.datasource.username", "sa");
        }
        properties.put("spring.datasource.hikari.maximum-pool-size", poolSize);
        return properties;
    }
}
