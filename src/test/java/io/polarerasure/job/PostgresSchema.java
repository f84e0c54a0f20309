package io.polarerasure.job;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh schema in the PostgreSQL on 127.0.0.1:5432 for one test, dropped afterwards: the database
 * outlives test runs. Without a reachable PostgreSQL the test is skipped with a message, unless
 * POLAR_ERASURE_REQUIRE_POSTGRES=true (CI), where it fails.
 */
public final class PostgresSchema implements AutoCloseable {

    public static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test";
    public static final String USER = "postgres";

    private final String schema;

    private PostgresSchema(String schema) {
        this.schema = schema;
    }

    public static PostgresSchema create() {
        String schema = "pe_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection connection = DriverManager.getConnection(SERVER, USER, "");
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            String why = "PostgreSQL at " + SERVER + " is not reachable (" + e.getMessage() + ")";
            if (Boolean.parseBoolean(System.getenv("POLAR_ERASURE_REQUIRE_POSTGRES"))) {
                fail(why + ", but POLAR_ERASURE_REQUIRE_POSTGRES=true requires it.");
            }
            assumeTrue(false, why + ": PostgreSQL tests skipped.");
        }
        return new PostgresSchema(schema);
    }

    /** The JDBC URL whose tables all land in this schema. */
    public String url() {
        return SERVER + "?currentSchema=" + schema;
    }

    @Override
    public void close() throws SQLException {
        try (Connection connection = DriverManager.getConnection(SERVER, USER, "");
             Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }
}
