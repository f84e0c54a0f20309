package io.polarerasure.cli;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.batch.jdbc.autoconfigure.BatchJdbcAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;

/**
 * The Spring Boot configuration that gives the job repository: the data source (Hikari), its transaction manager
 * and Batch's JDBC infrastructure. The three auto-configurations are named, not discovered: discovering evaluates
 * some 150 candidates and starts a dozen this tool has no use for (task executors, AOP, JDBC clients), which cost
 * every command about half a second of start-up.
 */
@SpringBootConfiguration
@ImportAutoConfiguration({DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
        BatchJdbcAutoConfiguration.class})
class BatchApplication {
}
