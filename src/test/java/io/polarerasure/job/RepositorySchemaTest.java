package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.Random;

import io.polarerasure.TestPostgres;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

class RepositorySchemaTest {

    private final Random random = new Random();
    private String schema;
    private String other;

    @AfterEach
    void dropSchemas() throws SQLException {
        for (String name : new String[] {schema, other}) {
            if (name != null) {
                TestPostgres.drop(name);
            }
        }
        TestPostgres.execute("DROP ROLE IF EXISTS " + role());
    }

    @Test
    void creates_its_tables_in_its_own_schema_even_when_another_schema_has_them() throws SQLException {
        other = TestPostgres.createSchema(random);
        RepositorySchema.ensure(dataSource(other, TestPostgres.USER));
        schema = TestPostgres.createSchema(random);

        RepositorySchema.ensure(dataSource(schema, TestPostgres.USER));

        JdbcTemplate jdbc = new JdbcTemplate(dataSource(schema, TestPostgres.USER));
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM " + schema + ".batch_job_instance", Long.class)).isZero();
    }

    @Test
    void needs_no_create_privilege_once_the_tables_exist() throws SQLException {
        schema = TestPostgres.createSchema(random);
        RepositorySchema.ensure(dataSource(schema, TestPostgres.USER));
        createRoleWithDataAccess();

        assertThatCode(() -> RepositorySchema.ensure(dataSource(schema, role()))).doesNotThrowAnyException();
    }

    @Test
    void a_repository_set_up_by_hand_before_the_page_table_says_how_to_create_it() throws SQLException {
        schema = TestPostgres.createSchema(random);
        RepositorySchema.ensure(dataSource(schema, TestPostgres.USER));
        TestPostgres.execute("DROP TABLE " + schema + "." + Ledger.PAGES);
        createRoleWithDataAccess();

        assertThatThrownBy(() -> RepositorySchema.ensure(dataSource(schema, role())))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("has no table " + Ledger.PAGES)
                .hasMessageContaining(Ledger.pagesDdl("postgresql"));

        RepositorySchema.ensure(dataSource(schema, TestPostgres.USER));
        assertThatCode(() -> RepositorySchema.ensure(dataSource(schema, role()))).doesNotThrowAnyException();
    }

    @Test
    void a_repository_whose_user_does_not_own_the_ledger_says_how_to_add_its_api_url_column() throws SQLException {
        schema = TestPostgres.createSchema(random);
        RepositorySchema.ensure(dataSource(schema, TestPostgres.USER));
        TestPostgres.execute("ALTER TABLE " + schema + "." + Ledger.TABLE + " DROP COLUMN api_url");
        createRoleWithDataAccess();

        assertThatThrownBy(() -> RepositorySchema.ensure(dataSource(schema, role())))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("table " + Ledger.TABLE + " has no column api_url")
                .hasMessageContaining(String.join("; ", Ledger.apiUrlMigration(Ledger.TABLE)));

        RepositorySchema.ensure(dataSource(schema, TestPostgres.USER));
        assertThatCode(() -> RepositorySchema.ensure(dataSource(schema, role()))).doesNotThrowAnyException();
    }

    /** A role that may read and write the schema's tables but not create or alter them, as a DBA would set up. */
    private void createRoleWithDataAccess() throws SQLException {
        TestPostgres.execute("CREATE ROLE " + role() + " LOGIN",
                "GRANT USAGE ON SCHEMA " + schema + " TO " + role(),
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + role(),
                "GRANT USAGE ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + role());
    }

    private String role() {
        return "erasure_" + (schema == null ? "none" : schema);
    }

    private static DriverManagerDataSource dataSource(String schema, String user) {
        return new DriverManagerDataSource(TestPostgres.url(schema), user, "");
    }
}
