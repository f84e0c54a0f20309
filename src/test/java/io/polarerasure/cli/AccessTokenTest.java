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

    @Test
    void strips_a_notepad_bom_and_surrounding_whitespace_including_non_breaking_spaces() throws IOException {
        Path file = tokenFile("\uFEFF\u00A0 polar_oat_abc123\u00A0\r\n", "rw-------");

        assertThat(AccessToken.read(file, Map.of())).isEqualTo("polar_oat_abc123");
    }

    @Test
    void a_token_that_cannot_be_sent_is_a_usage_error_naming_its_source_but_not_the_token() throws IOException {
        Path file = tokenFile("Bearer polar_oat_abc123\n", "rw-------");

        assertThatThrownBy(() -> AccessToken.read(file, Map.of())).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("The token file " + file + " holds a character that cannot be part of a token"
                        + " (U+0020 at position 7 of 23)").hasMessageNotContaining("abc123");
        assertThatThrownBy(() -> AccessToken.read(null, Map.of(AccessToken.ENVIRONMENT_VARIABLE, "polar_oat_\u00e9x")))
                .isInstanceOf(UsageException.class).hasMessageStartingWith("The variable POLAR_ACCESS_TOKEN holds a"
                        + " character that cannot be part of a token (U+00E9 at position 11 of 12)");
    }

    @Test
    void quotes_and_characters_outside_letters_digits_underscores_and_hyphens_are_refused_without_quoting_the_token()
            throws IOException {
        Path quoted = tokenFile("\"polar_oat_SECRET123\"\n", "rw-------");
        assertThatThrownBy(() -> AccessToken.read(quoted, Map.of())).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("The token file " + quoted + " holds a character that cannot be part of a"
                        + " token (U+0022 at position 1 of 21)")
                .hasMessageContaining("letters, digits, underscores and hyphens").hasMessageNotContaining("SECRET");
        for (String bad : new String[] {"'polar_oat_SECRET123'", "polar_oat_SECRET\u201d", "polar_oat.SECRET",
                "polar_oat_SECRET+/="}) {
            assertThatThrownBy(() -> AccessToken.read(null, Map.of(AccessToken.ENVIRONMENT_VARIABLE, bad)))
                    .as(bad).isInstanceOf(UsageException.class)
                    .hasMessageContaining("cannot be part of a token").hasMessageNotContaining("SECRET");
        }
        assertThat(AccessToken.read(null, Map.of(AccessToken.ENVIRONMENT_VARIABLE, "hunter2-SECRETtoken_9")))
                .as("what the message says a token is, is accepted").isEqualTo("hunter2-SECRETtoken_9");
    }

    @Test
    void a_utf16_token_file_is_a_usage_error() throws IOException {
        Path file = dir.resolve("token-utf16");
        Files.write(file, "\uFEFFpolar_oat_abc".getBytes(java.nio.charset.StandardCharsets.UTF_16LE));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        assertThatThrownBy(() -> AccessToken.read(file, Map.of())).isInstanceOf(UsageException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("is not UTF-8 text");
    }

    @Test
    void refuses_a_token_file_that_group_or_others_can_write() throws IOException {
        for (String mode : new String[] {"rw--w----", "rw-----w-"}) {
            Path file = tokenFile("secret-in-file", mode);
            assertThatThrownBy(() -> AccessToken.read(file, Map.of())).isInstanceOf(UsageException.class)
                    .hasMessageContaining("written by users other than its owner").hasMessageContaining("chmod 600")
                    .hasMessageNotContaining("secret-in-file");
        }
    }

    @Test
    void accepts_a_group_readable_systemd_credential_and_defaults_to_it() throws IOException {
        Path credentials = Files.createDirectory(dir.resolve("credentials"));
        Path file = credentials.resolve(AccessToken.CREDENTIAL_NAME);
        Files.writeString(file, "polar_oat_credential\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Map<String, String> systemd = Map.of(AccessToken.CREDENTIALS_DIRECTORY, credentials.toString());

        Path chosen = AccessToken.defaultFile(null, systemd);

        assertThat(chosen).isEqualTo(file);
        assertThat(AccessToken.read(chosen, systemd)).isEqualTo("polar_oat_credential");
        assertThat(AccessToken.source(chosen)).contains(file.toString()).contains("--token-file");
    }

    @Test
    void a_group_readable_file_outside_the_credentials_folder_is_still_refused() throws IOException {
        Path credentials = Files.createDirectory(dir.resolve("credentials"));
        Path file = tokenFile("secret-in-file", "rw-r-----");
        Map<String, String> systemd = Map.of(AccessToken.CREDENTIALS_DIRECTORY, credentials.toString());

        assertThatThrownBy(() -> AccessToken.read(file, systemd)).isInstanceOf(UsageException.class)
                .hasMessageContaining("read by other users");
        assertThat(AccessToken.defaultFile(file, systemd)).as("an explicit --token-file wins").isEqualTo(file);
    }

    private Path tokenFile(String content, String mode) throws IOException {
        Path file = Files.writeString(dir.resolve("token-" + mode), content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }
}
