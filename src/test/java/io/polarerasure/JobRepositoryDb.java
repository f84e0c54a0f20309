package io.polarerasure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import io.polarerasure.job.OutcomeJournal;

/**
 * The job repository a child process uses, as command-line options, plus what the tests read
 * from it after the process ended: an embedded H2 in the state folder, or a fresh PostgreSQL schema.
 */
final class JobRepositoryDb implements AutoCloseable {

    private final String url;
    private final String user;
    private final List<String> options;
    private final Map<String, String> environment;
    private final String pgSchema;
    private final Path stateDir;

    private JobRepositoryDb(String url, String user, List<String> options, Map<String, String> environment,
                            String pgSchema, Path stateDir) {
        this.stateDir = stateDir;
        this.url = url;
        this.user = user;
        this.options = options;
        this.environment = environment;
        this.pgSchema = pgSchema;
    }

    static JobRepositoryDb h2(Path stateDir) {
        return new JobRepositoryDb("jdbc:h2:file:" + stateDir.toAbsolutePath().resolve("repository"), "sa",
                List.of("--state-dir", stateDir.toString()), Map.of(), null, stateDir);
    }

    /** A fresh schema in the local PostgreSQL (see {@link TestPostgres}), dropped by {@link #close()}. */
    static JobRepositoryDb postgres(Path stateDir, Random random) throws SQLException {
        String schema = TestPostgres.createSchema(random);
        // The application name lets a test find the child's connections to cut them.
        String url = TestPostgres.url(schema) + "&ApplicationName=" + schema;
        return new JobRepositoryDb(url, TestPostgres.USER, List.of("--state-dir", stateDir.toString(), "--jdbc-url", url),
                Map.of("SPRING_DATASOURCE_USERNAME", TestPostgres.USER), schema, stateDir);
    }

    List<String> options() {
        return options;
    }

    /** The options of another host: the same PostgreSQL repository (this URL) with its own state folder. */
    List<String> options(Path otherStateDir, String jdbcUrl) {
        return List.of("--state-dir", otherStateDir.toString(), "--jdbc-url", jdbcUrl);
    }

    String url() {
        return url;
    }

    Map<String, String> environment() {
        return environment;
    }

    /** The status of the file's last execution, e.g. STOPPED. */
    String lastStatus() throws SQLException {
        return single("SELECT status FROM batch_job_execution ORDER BY job_execution_id DESC LIMIT 1");
    }

    /** The step's last saved execution context (reader position, committed report bytes): its checkpoint. */
    String checkpoint() throws SQLException {
        return single("SELECT short_context FROM batch_step_execution_context ORDER BY step_execution_id DESC LIMIT 1");
    }

    /** The status of the step's last execution, e.g. COMPLETED. */
    String stepStatus() throws SQLException {
        return single("SELECT status FROM batch_step_execution ORDER BY step_execution_id DESC LIMIT 1");
    }

    /** The result of a query for one number, e.g. a COUNT. */
    long number(String sql) throws SQLException {
        return Long.parseLong(single(sql));
    }

    long executions() throws SQLException {
        return Long.parseLong(single("SELECT COUNT(*) FROM batch_job_execution"));
    }

    /** Rows the journals in the state folder mark SENDING without an outcome: calls whose answer was never recorded. */
    long unansweredSends() throws IOException {
        long unanswered = 0;
        for (Path journal : journals()) {
            unanswered += OutcomeJournal.read(journal).values().stream().filter(OutcomeJournal.Entry::sending).count();
        }
        return unanswered;
    }

    List<Path> journals() throws IOException {
        try (Stream<Path> files = Files.list(stateDir)) {
            return files.filter(file -> file.getFileName().toString().startsWith("journal-")).toList();
        }
    }

    /** Cuts every connection of the child process, as a database restart does; returns how many. */
    int dropConnections() throws SQLException {
        try (Connection connection = DriverManager.getConnection(TestPostgres.URL, TestPostgres.USER, "");
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                     + " WHERE application_name = '" + pgSchema + "'")) {
            result.next();
            return result.getInt(1);
        }
    }

    private String single(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, user, "");
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            return result.next() ? result.getString(1) : null;
        }
    }

    @Override
    public void close() throws SQLException {
        if (pgSchema != null) {
            TestPostgres.drop(pgSchema);
        }
    }
}
