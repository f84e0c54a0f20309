package io.polarerasure;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Random;

/**
 * Fresh schemas in the local PostgreSQL for tests. A test that needs one is skipped with a message
 * when PostgreSQL does not answer, unless POLAR_ERASURE_REQUIRE_POSTGRES=true (CI), where it fails.
 */
public final class TestPostgres {

    public static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    public static final String USER = "postgres";

    private TestPostgres() {
    }

    /** Creates a schema with a random name and returns the name; drop it with {@link #drop}. */
    public static String createSchema(Random random) throws SQLException {
        String schema = "it_" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36).toLowerCase(Locale.ROOT);
        try {
            execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            if ("true".equals(System.getenv("POLAR_ERASURE_REQUIRE_POSTGRES"))) {
                throw new SQLException("PostgreSQL at " + URL + " is required (POLAR_ERASURE_REQUIRE_POSTGRES=true)"
                        + " but does not answer: " + e.getMessage() + ". Start it (.ci/run does) and run again.", e);
            }
            assumeThat(false).as("skipped: no PostgreSQL at %s (%s); set POLAR_ERASURE_REQUIRE_POSTGRES=true to"
                    + " make this a failure", URL, e.getMessage()).isTrue();
        }
        return schema;
    }

    /** A fresh schema for one test, dropped on close: the database outlives test runs. */
    public record Schema(String name) implements AutoCloseable {

        public static Schema fresh() throws SQLException {
            return new Schema(createSchema(new Random()));
        }

        public String url() {
            return TestPostgres.url(name);
        }

        @Override
        public void close() throws SQLException {
            drop(name);
        }
    }

    /** A JDBC URL whose connections use this schema. */
    public static String url(String schema) {
        return URL + "?currentSchema=" + schema;
    }

    public static void drop(String schema) throws SQLException {
        execute("DROP SCHEMA " + schema + " CASCADE");
    }

    /** Runs statements as the superuser, outside any test schema. */
    public static void execute(String... statements) throws SQLException {
        try (Connection connection = DriverManager.getConnection(URL, USER, "");
             Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }
}
