package io.polarerasure.job;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * Creates Spring Batch's tables and the {@link Ledger}'s when they are missing, on H2 and
 * PostgreSQL alike, so that a first run needs no manual setup and later runs change nothing; also the
 * tables of the report claims ({@link ReportClaims}), the run lease ({@link RunLease}) and the database journal
 * ({@link DatabaseJournal}).
 */
public final class RepositorySchema {

    private static final Logger LOG = LoggerFactory.getLogger(RepositorySchema.class);

    private RepositorySchema() {
    }

    public static void ensure(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            DatabaseMetaData meta = connection.getMetaData();
            String script = platform(meta);
            if (script == null) {
                throw new SQLException("unsupported job repository database " + meta.getDatabaseProductName()
                        + ": use the embedded H2 (default) or PostgreSQL");
            }
            String schema = connection.getSchema();
            if (schema == null && script.equals("postgresql")) {
                // PostgreSQL reports no current schema when none on the search path exists (currentSchema=...
                // misspelt or not created): tables would be looked for, and created, nowhere.
                throw new SQLException("the schema named in --jdbc-url (currentSchema) does not exist in this"
                        + " database: create it (CREATE SCHEMA name) or fix the URL", "3F000");
            }
            if (!tableExists(meta, schema, "batch_job_instance")) {
                new ResourceDatabasePopulator(
                        new ClassPathResource("org/springframework/batch/core/schema-" + script + ".sql"))
                        .populate(connection);
            }
            // Checked first: PostgreSQL refuses even CREATE TABLE IF NOT EXISTS to a role without CREATE.
            if (!tableExists(meta, schema, Ledger.TABLE)) {
                Ledger.ensureTable(connection);
            } else if (script.equals("h2") && !indexExists(meta, schema, Ledger.TABLE, Ledger.ID_INDEX)) {
                // A filing killed while it built the ID index afresh left none (Ledger.file).
                LOG.warn("The ledger's ID index is missing (a run was killed while it built it): building it now,"
                        + " about a minute per 3,000,000 answers on 2 cores. Let this command finish.");
                Ledger.buildIdIndexOnH2(connection);
            }
            if (!tableExists(meta, schema, Ledger.PAGES)) {
                createAddedTable(Ledger.PAGES, List.of(Ledger.pagesDdl(script)), connection);
            }
            for (String table : List.of(Ledger.TABLE, Ledger.PAGES)) {
                if (!columnExists(meta, schema, table, "api_url")) {
                    addColumn(table, "api_url", Ledger.apiUrlMigration(table), connection);
                }
            }
            if (!tableExists(meta, schema, ReportClaims.TABLE)) {
                createAddedTable(ReportClaims.TABLE, ReportClaims.DDL, connection);
            }
            // The run lease and the database journal: the same SQL on both platforms.
            try (Statement statement = connection.createStatement()) {
                if (!tableExists(meta, schema, LeaseTable.TABLE)) {
                    statement.execute(LeaseTable.createTable());
                }
                if (!tableExists(meta, schema, DatabaseJournal.TABLE)) {
                    statement.execute(DatabaseJournal.createTable());
                }
            }
        }
    }

    /**
     * Creates a table that versions from 2026-12 on add; a repository set up by hand before, whose user may not
     * create tables, gets the statement to have it created once.
     */
    private static void createAddedTable(String table, List<String> ddl, Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : ddl) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new SQLException("the job repository has no table " + table + " (added in 2026-12) and it could not"
                    + " be created (" + e.getMessage() + "). Have it created once with: " + String.join("; ", ddl),
                    e.getSQLState()); // no cause: the command prints the innermost message, which must be this one
        }
    }

    /**
     * Adds a column that versions from 2026-12 on keep, and fills it in; a repository whose user may not alter its
     * tables gets the statements to have it done once. All or nothing: the statements run in one transaction.
     */
    private static void addColumn(String table, String column, List<String> ddl, Connection connection)
            throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            for (String sql : ddl) {
                statement.execute(sql);
            }
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw new SQLException("the job repository's table " + table + " has no column " + column + " (added in"
                    + " 2026-12) and it could not be added (" + e.getMessage() + "). Have it added once with: "
                    + String.join("; ", ddl), e.getSQLState()); // no cause: the command prints the innermost message
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** "h2" or "postgresql" (as Spring Batch names its schema scripts), or null for any other database. */
    static String platform(DatabaseMetaData meta) throws SQLException {
        String product = meta.getDatabaseProductName().toLowerCase(Locale.ROOT);
        return product.contains("postgres") ? "postgresql" : product.contains("h2") ? "h2" : null;
    }

    private static boolean columnExists(DatabaseMetaData meta, String schema, String table, String column)
            throws SQLException {
        for (String[] names : new String[][] {{table, column},
                {table.toUpperCase(Locale.ROOT), column.toUpperCase(Locale.ROOT)}}) {
            try (ResultSet columns = meta.getColumns(null, schema, names[0], names[1])) {
                if (columns.next()) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean indexExists(DatabaseMetaData meta, String schema, String table, String index)
            throws SQLException {
        try (ResultSet indexes = meta.getIndexInfo(null, schema, table.toUpperCase(Locale.ROOT), false, false)) {
            while (indexes.next()) {
                if (index.equalsIgnoreCase(indexes.getString("INDEX_NAME"))) {
                    return true;
                }
            }
        }
        return false;
    }

    // Only in the connection's own schema: with ?currentSchema=..., another schema of the same database may
    // hold the tables of another repository, and finding those left this one without any.
    private static boolean tableExists(DatabaseMetaData meta, String schema, String table) throws SQLException {
        for (String name : new String[] {table, table.toUpperCase(Locale.ROOT)}) {
            try (ResultSet tables = meta.getTables(null, schema, name, null)) {
                if (tables.next()) {
                    return true;
                }
            }
        }
        return false;
    }
}
