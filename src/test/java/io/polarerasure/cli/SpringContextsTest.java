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

    @Test
    void an_embedded_file_h2_finds_corrupted_while_opening_it_is_called_damaged_not_a_setting() {
        StateOptions embedded = new StateOptions();
        embedded.stateDirOption = java.nio.file.Path.of("/state");
        RuntimeException error = new IllegalStateException("pool", new SQLException("File corrupted while reading"
                + " record: \"type: 175\". Possible solution: use the recovery tool", "90030", 90030));

        RuntimeException classified = SpringContexts.classified(embedded, error);

        assertThat(classified).hasMessageStartingWith("The embedded job repository /state/repository.mv.db is"
                + " damaged: H2 found it corrupted while opening it (File corrupted while reading record")
                .hasMessageContaining("Copy the file somewhere safe").hasMessageNotContaining("credentials");
        assertThat(PolarErasureCommand.exitCodeOf(classified)).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void the_h2_file_of_a_jdbc_url_is_the_one_checked() {
        assertThat(io.polarerasure.job.EmbeddedRepositoryFile.of("jdbc:h2:file:/data/repository;WRITE_DELAY=0"))
                .contains(java.nio.file.Path.of("/data/repository.mv.db"));
        assertThat(io.polarerasure.job.EmbeddedRepositoryFile.of("jdbc:h2:/data/x")).contains(
                java.nio.file.Path.of("/data/x.mv.db"));
        assertThat(io.polarerasure.job.EmbeddedRepositoryFile.of("jdbc:h2:nio:/data/x;WRITE_DELAY=0")).contains(
                java.nio.file.Path.of("/data/x.mv.db"));
        assertThat(io.polarerasure.job.EmbeddedRepositoryFile.of("jdbc:h2:async:/data/x")).contains(
                java.nio.file.Path.of("/data/x.mv.db"));
        assertThat(io.polarerasure.job.EmbeddedRepositoryFile.of("jdbc:h2:split:28:/data/x")).isEmpty();
        assertThat(io.polarerasure.job.EmbeddedRepositoryFile.of("jdbc:h2:mem:x")).isEmpty();
        assertThat(io.polarerasure.job.EmbeddedRepositoryFile.of("jdbc:h2:tcp://db/x")).isEmpty();
        assertThat(io.polarerasure.job.EmbeddedRepositoryFile.of(state.jdbcUrl)).isEmpty();
    }
}
