package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import io.polarerasure.kernel.Sha256;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateFolderTest {

    @TempDir
    Path dir;

    @Test
    void the_default_folder_comes_from_the_environment_never_from_the_current_folder() {
        assertThat(StateFolder.defaultPath(Map.of("POLAR_ERASURE_STATE_DIR", "/srv/state", "XDG_STATE_HOME", "/x",
                "HOME", "/home/a"), "/ignored")).isEqualTo(Path.of("/srv/state"));
        assertThat(StateFolder.defaultPath(Map.of("XDG_STATE_HOME", "/x", "HOME", "/home/a"), "/ignored"))
                .isEqualTo(Path.of("/x/polar-erasure"));
        assertThat(StateFolder.defaultPath(Map.of("XDG_STATE_HOME", "relative", "HOME", "/home/a"), "/ignored"))
                .as("a relative XDG_STATE_HOME is invalid and ignored").isEqualTo(Path.of("/home/a/.local/state/polar-erasure"));
        assertThat(StateFolder.defaultPath(Map.of(), "/home/b")).isEqualTo(Path.of("/home/b/.local/state/polar-erasure"));
    }

    @Test
    void files_are_created_owner_only_and_never_through_a_link() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim"), "keep");
        Path link = Files.createSymbolicLink(dir.resolve("planted"), victim);
        assertThatThrownBy(() -> StateFolder.createNew(link)).isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> StateFolder.open(link, java.nio.file.StandardOpenOption.WRITE))
                .isInstanceOf(IOException.class);
        assertThat(victim).hasContent("keep");
        try (FileChannel channel = StateFolder.createNew(dir.resolve("new"))) {
            assertThat(channel.isOpen()).isTrue();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new"))))
                .isEqualTo("rw-------");
    }

    @Test
    void files_others_could_read_are_made_owner_only_and_links_are_left_alone() throws IOException {
        Path repository = Files.writeString(dir.resolve("repository.mv.db"), "ids");
        Files.setPosixFilePermissions(repository, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Path elsewhere = Files.writeString(dir.resolve("elsewhere"), "not ours");
        Files.setPosixFilePermissions(elsewhere, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.createSymbolicLink(dir.resolve("repository.trace.db"), elsewhere);

        StateFolder.keepOwnerOnly(dir, "repository.mv.db", "repository.trace.db", "missing.db");

        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(repository)))
                .isEqualTo("rw-------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(elsewhere)))
                .isEqualTo("rw-r--r--");
    }

    @Test
    void the_snapshot_holds_exactly_the_bytes_hashed_and_outlives_the_input() throws IOException {
        Path input = Files.writeString(dir.resolve("requests.csv"), "external_id\nusr_1\n");
        String sha256 = Sha256.of(input);
        Path state = StateFolder.prepare(dir.resolve("state"));
        InputSnapshot.Copy copy = InputSnapshot.copy(input, state);
        assertThat(copy.sha256()).isEqualTo(sha256);
        Path snapshot = InputSnapshot.place(copy, InputSnapshot.fileFor(state, "key"));
        Files.writeString(input, "external_id\nsomeone_else\n");
        assertThat(Sha256.of(snapshot)).isEqualTo(sha256);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(snapshot))).isEqualTo("rw-------");
        try (var files = Files.list(state)) {
            assertThat(files).containsExactly(snapshot);
        }
        InputSnapshot.delete(snapshot);
        assertThat(snapshot).doesNotExist();
    }
}
