package io.polarerasure.cli;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/** The Spring Boot configuration that gives the job repository (data source, Batch infrastructure). */
@SpringBootConfiguration
@EnableAutoConfiguration
class BatchApplication {
}
