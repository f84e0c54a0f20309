package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;

import io.polarerasure.kernel.ExitCodes;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.dao.DataAccessResourceFailureException;

class SpringContextsTest {

    private final StateOptions state = new StateOptions();

    SpringContextsTest() {
        state.jdbcUrl = "jdbc:postgresql://db:5432/erasure";
    }

    @Test
    void a_database_that_does_not_answer_is_an_outage() {
        RuntimeException error = new IllegalStateException("pool", new SQLException("refused", "08001"));

        assertThat(SpringContexts.classified(state, error))
                .isInstanceOf(SpringContexts.RepositoryUnreachableException.class)
                .hasMessageContaining("Cannot reach the job repository (jdbc:postgresql://db:5432/erasure): refused");
    }

    @Test
    void a_database_or_data_source_that_refuses_the_settings_is_a_usage_error() {
        assertThat(SpringContexts.classified(state, new SQLException("database does not exist", "3D000")))
                .isInstanceOf(UsageException.class).hasMessageContaining("database does not exist");
        assertThat(SpringContexts.classified(state, new DataAccessResourceFailureException("schema")))
                .isInstanceOf(UsageException.class);
        assertThat(SpringContexts.classified(state, new BeanCreationException("dataSource", "no driver")))
                .isInstanceOf(UsageException.class).hasMessageContaining("no driver");
    }

    @Test
    void an_embedded_repository_another_process_has_open_is_in_use_exit_2() {
        RuntimeException error = new IllegalStateException("pool", new SQLException("Database may be already in"
                + " use: \"/state/repository.mv.db\"", "90020", 90020));

        RuntimeException classified = SpringContexts.classified(state, error);

        assertThat(classified).isInstanceOf(SpringContexts.RepositoryInUseException.class)
                .hasMessageContaining("Another polar-erasure process uses this --state-dir");
        assertThat(PolarErasureCommand.exitCodeOf(classified)).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void a_fault_of_the_program_at_start_up_is_not_taken_for_the_operators_mistake() {
        RuntimeException bug = new BeanCreationException("erasureJob", "NullPointerException in a bean");

        assertThat(SpringContexts.classified(state, bug)).isSameAs(bug);
        assertThat(PolarErasureCommand.exitCodeOf(bug)).isNotEqualTo(ExitCodes.USAGE);
    }
}
