package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessTokenTest {

    @TempDir
    Path dir;

    @Test
    void reads_the_token_from_the_environment_without_surrounding_whitespace() {
        assertThat(AccessToken.read(null, Map.of(AccessToken.ENVIRONMENT_VARIABLE, " env-token\n")))
                .isEqualTo("env-token");
    }

    @Test
    void refuses_a_missing_or_blank_environment_variable_and_says_what_to_set() {
        for (Map<String, String> environment : java.util.List.of(Map.<String, String>of(),
                Map.of(AccessToken.ENVIRONMENT_VARIABLE, "  "))) {
            assertThatThrownBy(() -> AccessToken.read(null, environment)).isInstanceOf(UsageException.class)
                    .hasMessageContaining("POLAR_ACCESS_TOKEN").hasMessageContaining("--token-file");
        }
    }

    @Test
    void reads_an_owner_only_token_file_in_preference_to_the_environment() throws IOException {
        Path file = tokenFile("file-token\n", "rw-------");
        assertThat(AccessToken.read(file, Map.of(AccessToken.ENVIRONMENT_VARIABLE, "env-token")))
                .isEqualTo("file-token");
    }

    @Test
    void refuses_a_token_file_that_group_or_others_can_read_without_reading_it() throws IOException {
        for (String mode : new String[] {"rw-r-----", "rw----r--", "rw-r--r--"}) {
            Path file = tokenFile("secret-in-file", mode);
            assertThatThrownBy(() -> AccessToken.read(file, Map.of())).isInstanceOf(UsageException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining("chmod 600")
                    .hasMessageNotContaining("secret-in-file");
        }
    }

    @Test
    void refuses_an_empty_token_file() throws IOException {
        Path file = tokenFile(" \n", "rw-------");
        assertThatThrownBy(() -> AccessToken.read(file, Map.of())).isInstanceOf(UsageException.class)
                .hasMessageContaining(file + " is empty");
    }

    @Test
    void refuses_a_missing_token_file_naming_it() {
        Path missing = dir.resolve("absent");
        assertThatThrownBy(() -> AccessToken.read(missing, Map.of())).isInstanceOf(UsageException.class)
                .hasMessageContaining("Cannot read the token file " + missing);
    }

    private Path tokenFile(String content, String mode) throws IOException {
        Path file = Files.writeString(dir.resolve("token-" + mode), content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }
}
