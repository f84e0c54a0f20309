package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RetryFailedRunAgainTest {

    @Test
    void started_from_the_jar_the_hint_names_the_jar() {
        assertThat(RetryFailedCommand.runAgain(null, "target/polar-erasure.jar retry-failed --report r.csv", "/d/f.csv"))
                .isEqualTo("java -jar target/polar-erasure.jar run --input /d/f.csv");
    }

    @Test
    void otherwise_both_forms_are_given() {
        for (String command : new String[] {null, "", "/tmp/surefirebooter1.jar x", "io.polarerasure.Main x"}) {
            assertThat(RetryFailedCommand.runAgain(null, command, "/d/f.csv")).as(String.valueOf(command))
                    .isEqualTo("polar-erasure run --input /d/f.csv (or java -jar target/polar-erasure.jar run"
                            + " --input /d/f.csv)");
        }
    }

    @Test
    void started_by_the_launcher_the_hint_names_the_launcher_not_the_jar_it_unpacked() {
        assertThat(RetryFailedCommand.runAgain("/opt/polar-erasure/jobs/polar-erasure",
                "/root/.local/state/polar-erasure/launcher/app-1/polar-erasure.jar retry-failed", "/d/f.csv"))
                .isEqualTo("/opt/polar-erasure/jobs/polar-erasure run --input /d/f.csv");
    }

    @Test
    void a_path_with_spaces_or_quotes_is_quoted_for_the_shell() throws Exception {
        assertThat(RetryFailedCommand.runAgain("/opt/my tools/polar-erasure", null, "/d/f.csv"))
                .isEqualTo("'/opt/my tools/polar-erasure' run --input /d/f.csv");
        assertThat(RetryFailedCommand.shellWord("/plain/path-1_2.csv")).isEqualTo("/plain/path-1_2.csv");
        for (String word : new String[] {"/d/my dir/it's.csv", "$HOME;rm -rf x", "a\"b`c`", "--x y", "*"}) {
            // What a POSIX shell makes of the printed word: the word itself.
            Process shell = new ProcessBuilder("sh", "-c", "printf '%s' " + RetryFailedCommand.shellWord(word))
                    .redirectErrorStream(true).start();
            assertThat(new String(shell.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                    .as(word).isEqualTo(word);
        }
    }
}
