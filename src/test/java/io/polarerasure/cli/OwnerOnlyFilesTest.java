package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

import io.polarerasure.fakepolar.FakePolar;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** Reports, plans and the job repository name the customers erased: only their owner may read them. */
class OwnerOnlyFilesTest {

    @TempDir
    Path dir;

    @Test
    void report_plan_and_state_folder_are_private_to_the_owner_even_if_the_folder_existed_open() throws IOException {
        Path state = Files.createDirectory(dir.resolve("state"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path input = Files.writeString(dir.resolve("requests.csv"), "external_id\ncus-1\ncus-2\n");
        try (FakePolar polar = FakePolar.builder().customers(Set.of("cus-1")).build().start()) {
            assertThat(run("--input", input.toString(), "--dry-run")).isEqualTo(ExitCodes.OK);
            assertThat(run("--input", input.toString(), "--api-url", polar.baseUrl(), "--state-dir", state.toString()))
                    .isEqualTo(ExitCodes.OK);
        }
        assertThat(mode(dir.resolve("requests.plan.csv"))).isEqualTo("rw-------");
        assertThat(mode(dir.resolve("requests.audit.csv"))).isEqualTo("rw-------");
        assertThat(mode(state)).isEqualTo("rwx------");
        try (var files = Files.list(state)) {
            assertThat(files.map(Path::getFileName).map(Path::toString)).anyMatch(name -> name.endsWith(".mv.db"));
        }
    }

    @Test
    void a_new_state_folder_is_created_private() {
        StateOptions options = new StateOptions();
        options.stateDir = dir.resolve("a/b/state");
        assertThat(options.ownerOnlyStateDir()).isEqualTo(options.stateDir);
        assertThat(mode(options.stateDir)).isEqualTo("rwx------");
    }

    private int run(String... args) {
        CommandLine commandLine = PolarErasureCommand.commandLine(
                Map.of(AccessToken.ENVIRONMENT_VARIABLE, FakePolar.DEFAULT_TOKEN));
        commandLine.setOut(new PrintWriter(new StringWriter()));
        StringWriter err = new StringWriter();
        commandLine.setErr(new PrintWriter(err, true));
        String[] all = java.util.stream.Stream.concat(java.util.stream.Stream.of("run"),
                java.util.stream.Stream.of(args)).toArray(String[]::new);
        int code = commandLine.execute(all);
        assertThat(err.toString()).as("stderr").isEmpty();
        return code;
    }

    private static String mode(Path path) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
