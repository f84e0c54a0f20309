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
    void the_job_repository_is_named_in_words_the_shell_gives_back_as_they_are() throws Exception {
        String url = "jdbc:postgresql://db:5432/erasure?user=***&options=-c%20search_path='audit'";
        assertThat(shell(RetryFailedCommand.repositoryOption(url))).isEqualTo("--jdbc-url|" + url + "|");
        assertThat(shell(RetryFailedCommand.repositoryOption("/srv/it's state/repository")))
                .isEqualTo("--state-dir|/srv/it's state|");
        assertThat(RetryFailedCommand.repositoryOption(null)).isEmpty();
    }

    /** The words a POSIX shell makes of {@code words}, each followed by a bar. */
    private static String shell(String words) throws Exception {
        Process shell = new ProcessBuilder("sh", "-c", "printf '%s|' " + words).redirectErrorStream(true).start();
        return new String(shell.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void a_path_with_spaces_or_quotes_is_quoted_for_the_shell() throws Exception {
        assertThat(RetryFailedCommand.runAgain("/opt/my tools/polar-erasure", null, "/d/f.csv"))
                .isEqualTo("'/opt/my tools/polar-erasure' run --input /d/f.csv");
        assertThat(RetryFailedCommand.shellWord("/plain/path-1_2.csv")).isEqualTo("/plain/path-1_2.csv");
        for (String word : new String[] {"/d/my dir/it's.csv", "$HOME;rm -rf x", "a\"b`c`", "--x y", "*"}) {
            // What a POSIX shell makes of the printed word: the word itself.
            assertThat(shell(RetryFailedCommand.shellWord(word))).as(word).isEqualTo(word + "|");
        }
    }
}
