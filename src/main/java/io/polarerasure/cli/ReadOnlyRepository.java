package io.polarerasure.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import java.util.Set;
import javax.sql.DataSource;

import io.polarerasure.job.RepositorySchema;
import io.polarerasure.job.StateFolder;

import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.repository.support.JdbcJobRepositoryFactoryBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;

/**
 * The job repository opened for a command that only reads it ({@code status}): Spring Batch's view of the runs, and
 * the data source under it. The state folder's embedded H2 file is opened without Spring Boot, on one connection:
 * Boot's start-up was about half a second of a {@code status} of 1.5 s on 2 cores (design.md, "Starting faster").
 * A {@code --jdbc-url}, or Spring settings in the environment or system properties, are opened through Boot as by
 * every other command, which binds them ({@code SPRING_DATASOURCE_URL}, {@code SPRING_DATASOURCE_USERNAME}, ...).
 *
 * @param jobs       Spring Batch's view of the runs
 * @param dataSource the repository's database, for this tool's own tables (leases, journals)
 * @param resources  what {@link #close} closes: the connection, or the Spring context
 */
record ReadOnlyRepository(JobRepository jobs, DataSource dataSource, AutoCloseable resources)
        implements AutoCloseable {

    /**
     * Opens the repository, creating its tables if missing, as {@link SpringContexts#openRepository} does.
     *
     * @throws SpringContexts.RepositoryInUseException if another process has the embedded repository open (no wait)
     * @throws RuntimeException                        a failure as {@link SpringContexts#classified} words it
     */
    static ReadOnlyRepository open(StateOptions state) {
        if (state.jdbcUrl != null || springSettingsGiven(System.getenv(), System.getProperties().stringPropertyNames())) {
            ConfigurableApplicationContext context = SpringContexts.openRepository(state, Duration.ZERO, 2, Map.of());
            return new ReadOnlyRepository(context.getBean(JobRepository.class), context.getBean(DataSource.class),
                    context::close);
        }
        state.checkEmbeddedRepository();
        // One connection, kept open until close: H2 opens the file with the first connection, closes it with the last.
        SingleConnectionDataSource dataSource = new SingleConnectionDataSource(state.embeddedUrl(), "sa", "", true);
        try {
            RepositorySchema.ensure(dataSource);
            StateFolder.keepOwnerOnly(state.stateDir(), "repository.mv.db", "repository.trace.db");
            JdbcJobRepositoryFactoryBean factory = new JdbcJobRepositoryFactoryBean();
            factory.setDataSource(dataSource);
            factory.setTransactionManager(new JdbcTransactionManager(dataSource));
            factory.afterPropertiesSet();
            return new ReadOnlyRepository(factory.getObject(), dataSource, dataSource::destroy);
        } catch (Exception e) {
            dataSource.destroy();
            throw SpringContexts.classified(state, e);
        }
    }

    /**
     * Whether Spring Boot settings are given outside the command line ({@code SPRING_*} environment variables such
     * as {@code SPRING_DATASOURCE_URL}, {@code spring.*} system properties): Boot lets them override the embedded
     * repository's URL and user, as every other command sees them, so such a {@code status} goes through Boot too.
     */
    static boolean springSettingsGiven(Map<String, String> environment, Set<String> systemProperties) {
        return environment.keySet().stream().anyMatch(name -> name.toUpperCase(Locale.ROOT)
                .startsWith("SPRING_")) || systemProperties.stream().anyMatch(name -> name.startsWith("spring."));
    }

    @Override
    public void close() {
        try {
            resources.close();
        } catch (Exception ignored) {
            // Read only: nothing of the repository depends on a clean close.
        }
    }
}
