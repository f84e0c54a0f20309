package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A command that finds the embedded repository held by another process (a {@code status} or {@code prune} in its
 * second or two) waits for it instead of failing: a run starting while someone looks at {@code status} must start.
 * The test holds H2's file lock itself, as the other process would.
 */
class RepositoryInUseTest {

    @TempDir
    Path dir;

    @Test
    void a_command_waits_for_the_embedded_repository_and_status_does_not() throws Exception {
        StateOptions state = new StateOptions();
        state.stateDirOption = Files.createDirectory(dir.resolve("state"));
        try (Connection created = DriverManager.getConnection("jdbc:h2:file:" + state.stateDir().resolve("repository"),
                "sa", "")) {
            assertThat(created.isValid(1)).isTrue();
        }
        Path file = state.stateDir().resolve("repository.mv.db");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = channel.lock();

        assertThatThrownBy(() -> SpringContexts.openRepository(state, Duration.ZERO, 2, Map.of()).close())
                .isInstanceOf(SpringContexts.RepositoryInUseException.class)
                .hasMessageContaining("Another polar-erasure process uses this --state-dir");

        CompletableFuture<Void> released = CompletableFuture.runAsync(() -> {
            try {
                lock.release();
                channel.close();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, CompletableFuture.delayedExecutor(1_500, TimeUnit.MILLISECONDS));
        long started = System.nanoTime();
        try (ConfigurableApplicationContext opened = SpringContexts.openRepository(state, 2, Map.of())) {
            assertThat(opened.isActive()).isTrue();
        }
        released.get(5, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("it waited for the other process")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1_000));
    }
}
