package io.polarerasure.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import picocli.CommandLine.Option;

/** Where the job repository lives; every command takes these so that all of them find the same runs. */
final class StateOptions {

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".polar-erasure",
            description = "Folder of the embedded H2 job repository and the run locks (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--jdbc-url", paramLabel = "URL",
            description = "JDBC URL of a PostgreSQL job repository instead of the embedded H2, e.g."
                    + " jdbc:postgresql://db:5432/erasure. Credentials from SPRING_DATASOURCE_USERNAME and"
                    + " SPRING_DATASOURCE_PASSWORD.")
    String jdbcUrl;

    /** Where the runs are recorded, for messages: the JDBC URL or the state folder. */
    String describe() {
        return jdbcUrl != null ? jdbcUrl : stateDir.toAbsolutePath().toString();
    }

    /** Spring properties for the data source; user and password stay in the environment. */
    Map<String, Object> dataSourceProperties(int poolSize) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("spring.datasource.url", jdbcUrl != null ? jdbcUrl
                : "jdbc:h2:file:" + stateDir.toAbsolutePath().resolve("repository") + ";DB_CLOSE_ON_EXIT=FALSE");
        if (jdbcUrl == null) {
            properties.put("spring.datasource.username", "sa");
        }
        properties.put("spring.datasource.hikari.maximum-pool-size", poolSize);
        return properties;
    }
}
