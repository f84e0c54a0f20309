package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;

import io.polarerasure.kernel.ExitCodes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status} while another process has the embedded repository open and keeps no live status file (a run in
 * its first seconds): a plain answer, not a start-up stack trace with exit 2. The test holds H2's file lock itself,
 * as the other process would.
 */
class StatusWhileRepositoryInUseTest {

    @TempDir
    Path dir;

    @Test
    void status_says_another_process_has_the_repository_open_and_exits_0() throws Exception {
        Path state = Files.createDirectory(dir.resolve("state"));
        try (Connection created = DriverManager.getConnection("jdbc:h2:file:" + state.resolve("repository"), "sa",
                "")) {
            assertThat(created.isValid(1)).isTrue();
        }
        Path file = state.resolve("repository.mv.db");
        assertThat(file).isRegularFile();

        Cli.Result held;
        Cli.Result heldJson;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileLock lock = channel.lock()) {
            assertThat(lock.isValid()).isTrue();
            held = Cli.run(Map.of(), "status", "--state-dir", state.toString());
            heldJson = Cli.run(Map.of(), "status", "--format", "json", "--state-dir", state.toString());
        }
        Cli.Result free = Cli.run(Map.of(), "status", "--state-dir", state.toString());

        assertThat(held.exitCode()).as(held.all()).isEqualTo(ExitCodes.OK);
        assertThat(held.out()).contains("Another polar-erasure process has the embedded job repository")
                .contains("Run status again in a few");
        assertThat(held.all()).doesNotContain("Exception");
        assertThat(heldJson.out()).contains("\"repositoryInUse\" : true").doesNotContain("repository_in_use")
                .contains("\"message\" : \"Another polar-erasure process has the embedded job repository");
        assertThat(free.exitCode()).as(free.all()).isEqualTo(ExitCodes.OK);
        assertThat(free.out()).doesNotContain("Another polar-erasure process");
    }
}
