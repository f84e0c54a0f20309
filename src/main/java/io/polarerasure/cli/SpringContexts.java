package io.polarerasure.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.sql.DataSource;

import io.polarerasure.job.EmbeddedRepositoryFile;
import io.polarerasure.job.RepositorySchema;
import io.polarerasure.job.StateFolder;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.DataAccessException;

/** Starts the Spring context of one command: the job repository, plus the job for a run. */
final class SpringContexts {

    private static final Logger log = LoggerFactory.getLogger(SpringContexts.class);

    private SpringContexts() {
    }

    /**
     * How long a command waits for another process to close the embedded repository, which one process opens at a
     * time: a {@code status}, {@code lookup} or {@code prune} holds it for a second or two, and a run starting just
     * then must not fail for it.
     */
    static final Duration IN_USE_PATIENCE = Duration.ofSeconds(20);

    /**
     * Opens the job repository, creating its tables if missing, waiting up to {@link #IN_USE_PATIENCE} while
     * another process has the embedded one open; the message of a failure tells the operator what to check.
     *
     * @param singletons beans made by the command line (the run's inputs), registered before start-up
     * @param sources    configuration classes besides the repository's
     * @throws RepositoryInUseException if another process still has the embedded repository open after that
     */
    static ConfigurableApplicationContext openRepository(StateOptions state, int poolSize,
                                                         Map<String, Object> singletons, Class<?>... sources) {
        return openRepository(state, IN_USE_PATIENCE, poolSize, singletons, sources);
    }

    /**
     * {@link #openRepository(StateOptions, int, Map, Class[])} with the wait for another process's embedded
     * repository given: {@link Duration#ZERO} for a command that answers "in use" instead ({@code status}).
     */
    static ConfigurableApplicationContext openRepository(StateOptions state, Duration patience, int poolSize,
                                                         Map<String, Object> singletons, Class<?>... sources) {
        long deadline = System.nanoTime() + patience.toNanos();
        boolean said = false;
        while (true) {
            try {
                return openOnce(state, poolSize, singletons, sources);
            } catch (RepositoryInUseException e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                if (!said) {
                    log.info("Another process has the embedded job repository open; waiting up to {} s for it",
                            patience.toSeconds());
                    said = true;
                }
                try {
                    Thread.sleep(IN_USE_RETRY.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static final Duration IN_USE_RETRY = Duration.ofMillis(500);

    private static ConfigurableApplicationContext openOnce(StateOptions state, int poolSize,
                                                           Map<String, Object> singletons, Class<?>... sources) {
        state.checkEmbeddedRepository();
        ConfigurableApplicationContext context = null;
        try {
            context = open(state, poolSize, singletons, sources);
            RepositorySchema.ensure(context.getBean(DataSource.class));
            if (state.jdbcUrl == null) {
                StateFolder.keepOwnerOnly(state.stateDir(), "repository.mv.db", "repository.trace.db");
            }
            return context;
        } catch (RuntimeException | SQLException | IOException e) {
            if (context != null) {
                context.close();
            }
            throw classified(state, e);
        }
    }

    /**
     * A start-up failure by its type: the database does not answer (exit 3, retry later), the database or its
     * settings are wrong (usage, exit 2), or, with no database error in the chain, a fault of the program itself,
     * returned unchanged so that it is reported as one and not as the operator's mistake.
     */
    static RuntimeException classified(StateOptions state, Exception error) {
        Throwable root = error;
        String said = null;
        String sqlState = null;
        boolean database = false;
        for (Throwable t = error; t != null; t = t.getCause()) {
            root = t;
            said = t.getMessage() != null ? t.getMessage() : said;
            if (t instanceof SQLException sql) {
                database = true;
                sqlState = sqlState == null ? sql.getSQLState() : sqlState;
            }
            // The data source is made from the operator's settings alone (an unknown JDBC URL scheme fails here).
            database |= t instanceof DataAccessException
                    || t instanceof BeanCreationException creation && "dataSource".equals(creation.getBeanName());
        }
        String message = said != null ? said : root.getClass().getSimpleName();
        if (!database) {
            // An SQLException is a database error; a checked one left is the state folder's (IOException) or Batch's.
            if (error instanceof RuntimeException runtime) {
                return runtime;
            }
            return error instanceof IOException io ? new UncheckedIOException(io)
                    : new IllegalStateException(error.getMessage(), error);
        }
        if (sqlState != null && sqlState.startsWith("08")) {
            // SQL state class 08, connection exception: the database does not answer (or the URL names a host
            // where none runs). An outage is worth retrying later; nothing was sent either way.
            return new RepositoryUnreachableException("Cannot reach the job repository (" + state.describe()
                    + "): " + message + ". Nothing was sent. Run the same command again once the"
                    + " database answers; if it never does, check the host and port in --jdbc-url.");
        }
        // Configuration: a malformed URL, an unknown database or schema, refused credentials, a locked state folder.
        if (h2Error(error, H2_FILE_CORRUPTED) && state.embeddedFile().isPresent()) {
            return EmbeddedRepositoryFile.corrupted(state.embeddedFile().get(), message);
        }
        if (h2Error(error, H2_DATABASE_ALREADY_OPEN)) {
            return new RepositoryInUseException("Cannot open the job repository (" + state.describe() + "): "
                    + message + ". Another polar-erasure process uses this --state-dir: wait for it, then"
                    + " run again. Nothing was sent.");
        }
        return new UsageException("Cannot open the job repository (" + state.describe() + "): "
                + message + ". If another polar-erasure process uses this --state-dir, wait for it;"
                + " otherwise check --state-dir or --jdbc-url and the database credentials, then run again."
                + " Nothing was sent.");
    }

    /**
     * @param singletons beans made by the command line (the run's inputs), registered before start-up
     * @param sources    configuration classes besides the repository's
     */
    private static ConfigurableApplicationContext open(StateOptions state, int poolSize, Map<String, Object> singletons,
                                               Class<?>... sources) {
        if (state.jdbcUrl != null) {
            checkDriver(state.jdbcUrl);
        }
        Map<String, Object> properties = new LinkedHashMap<>(state.dataSourceProperties(poolSize));
        // The command line launches the job itself so it can map outcomes to its own exit codes.
        properties.put("spring.batch.job.enabled", "false");
        // A database that went away fails each call within seconds (Hikari's default is 30 s per connection
        // wanted), so a run cut off from its repository ends, resumable, instead of waiting minutes.
        properties.put("spring.datasource.hikari.connection-timeout", "5000");
        // Only the settings given to this process (environment, system properties): an application.properties in
        // the folder it is started from belongs to some other program, and would move the job repository unseen.
        properties.put("spring.config.location", "optional:classpath:/");
        // Schema setup is RepositorySchema's, the same for H2 and PostgreSQL.
        properties.put("spring.batch.jdbc.initialize-schema", "never");
        properties.put("logging.level.root", "WARN");
        properties.put("logging.level.io.polarerasure", "INFO");
        // Batch logs every rollback with a stack trace; the command reports the cause itself.
        properties.put("logging.level.org.springframework.batch", "OFF");
        // A lost database is explained once by the command; the pool and transaction stack traces add nothing.
        properties.put("logging.level.com.zaxxer.hikari", "OFF");
        properties.put("logging.level.org.springframework.transaction", "OFF");
        // A failed start is explained once by the command (classified below); Spring's own WARN and ERROR with the
        // whole stack trace ("Application run failed") only buried that message.
        properties.put("logging.level.org.springframework.boot.SpringApplication", "OFF");
        properties.put("logging.level.org.springframework.context", "OFF");
        return new SpringApplicationBuilder(BatchApplication.class)
                .sources(sources)
                .web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false)
                // Our own shutdown handling stops the job cleanly; Spring's hook would close beans under it.
                .registerShutdownHook(false)
                .properties(properties)
                .initializers(context -> singletons.forEach(context.getBeanFactory()::registerSingleton))
                .run();
    }

    /**
     * Refuses a JDBC URL that no driver on the class path accepts (a misspelt scheme such as {@code jdbc:postgres:}),
     * which would otherwise fail deep inside Spring's start as if the program were at fault.
     *
     * @throws UsageException naming the URL (without credentials) and the schemes this tool has drivers for
     */
    static void checkDriver(String jdbcUrl) {
        try {
            DriverManager.getDriver(jdbcUrl);
        } catch (SQLException e) {
            throw new UsageException("No database driver of this tool accepts --jdbc-url "
                    + StateOptions.withoutCredentials(jdbcUrl) + ": it has drivers for jdbc:postgresql://HOST:PORT/DB"
                    + " and jdbc:h2:. Check the URL's scheme, then run again. Nothing was sent.");
        }
    }

    /** Whether H2 failed with this error code anywhere in the chain. */
    private static boolean h2Error(Throwable error, int code) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getErrorCode() == code) {
                return true;
            }
        }
        return false;
    }

    /** H2's {@code ErrorCode.DATABASE_ALREADY_OPEN_1}: the database file is locked by another process. */
    private static final int H2_DATABASE_ALREADY_OPEN = 90020;

    /** H2's {@code ErrorCode.FILE_CORRUPTED_1}: H2 found the database file damaged while reading it. */
    private static final int H2_FILE_CORRUPTED = 90030;

    /** Another process has the embedded job repository open (one process opens H2 at a time): exit 2. */
    static final class RepositoryInUseException extends RuntimeException implements OperatorFault {

        private static final long serialVersionUID = 1L;

        /** {@inheritDoc} Nothing was sent; run again when the other process is done. */
        @Override
        public int exitCode() {
            return ExitCodes.USAGE;
        }

        RepositoryInUseException(String message) {
            super(message);
        }
    }

    /** The job repository's database does not answer at start-up: exit 3, nothing was sent, retry later. */
    static final class RepositoryUnreachableException extends RuntimeException implements OperatorFault {

        private static final long serialVersionUID = 1L;

        /** {@inheritDoc} Retry later: nothing was sent. */
        @Override
        public int exitCode() {
            return ExitCodes.RESUMABLE;
        }

        RepositoryUnreachableException(String message) {
            super(message);
        }
    }
}
