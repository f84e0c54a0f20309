package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.kernel.ExitCodes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/** Reports, plans and the job repository name the customers erased: only their owner may read them. */
class OwnerOnlyFilesTest {

    @TempDir
    Path dir;

    @Test
    void report_plan_state_folder_and_its_files_are_private_to_the_owner() throws IOException {
        Path state = dir.resolve("new/state");
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
            List<Path> all = files.toList();
            assertThat(all).extracting(path -> path.getFileName().toString()).anyMatch(name -> name.endsWith(".mv.db"))
                    .anyMatch(name -> name.endsWith(".lock"));
            assertThat(all).filteredOn(path -> path.getFileName().toString().startsWith("run-"))
                    .allSatisfy(lock -> assertThat(mode(lock)).isEqualTo("rw-------"));
        }
    }

    @Test
    void an_existing_state_folder_that_others_can_write_is_refused_and_its_mode_left_as_it_was() throws IOException {
        Path state = Files.createDirectory(dir.resolve("state"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path input = Files.writeString(dir.resolve("requests.csv"), "external_id\ncus-1\n");
        try (FakePolar polar = FakePolar.builder().customers(Set.of("cus-1")).build().start()) {
            Outcome result = runWithErr("--input", input.toString(), "--api-url", polar.baseUrl(), "--state-dir",
                    state.toString());
            assertThat(result.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(result.err()).contains("Refusing the state folder " + state.toAbsolutePath())
                    .contains("its group or other users can write into it (mode 0777)").contains("Nothing was sent");
            assertThat(polar.requests()).isEmpty();
        }
        assertThat(mode(state)).isEqualTo("rwxrwxrwx");
        try (var files = Files.list(state)) {
            assertThat(files).as("nothing created in a refused folder").isEmpty();
        }
    }

    @Test
    void a_state_folder_owned_by_another_user_is_refused() throws IOException {
        Path state = Files.createDirectory(dir.resolve("state"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            Files.setAttribute(state, "unix:uid", 12345);
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("cannot give a folder to another user here (needs root): " + e);
        }
        StateOptions options = new StateOptions();
        options.stateDirOption = state;
        assertThatThrownBy(options::ownerOnlyStateDir).isInstanceOf(UsageException.class)
                .hasMessageContaining("it belongs to user id 12345, not to this user");
        assertThat(mode(state)).isEqualTo("rwx------");
    }

    @Test
    void a_new_state_folder_is_created_private() {
        StateOptions options = new StateOptions();
        options.stateDirOption = dir.resolve("a/b/state");
        assertThat(options.ownerOnlyStateDir()).isEqualTo(options.stateDir());
        assertThat(mode(options.stateDir())).isEqualTo("rwx------");
    }

    private record Outcome(int code, String err) {
    }

    private Outcome runWithErr(String... args) {
        String[] all = java.util.stream.Stream.concat(java.util.stream.Stream.of("run"),
                java.util.stream.Stream.of(args)).toArray(String[]::new);
        Cli.Result result = Cli.run(Map.of(AccessToken.ENVIRONMENT_VARIABLE, FakePolar.DEFAULT_TOKEN), all);
        return new Outcome(result.exitCode(), result.err());
    }

    private int run(String... args) {
        Outcome result = runWithErr(args);
        assertThat(result.err()).as("stderr").isEmpty();
        return result.code();
    }

    private static String mode(Path path) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
