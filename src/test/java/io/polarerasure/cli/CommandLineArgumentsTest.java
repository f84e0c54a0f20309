package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CommandLineArgumentsTest {

    @TempDir
    Path dir;

    @Test
    void an_argument_starting_with_at_is_a_file_name_not_a_file_of_more_arguments() throws Exception {
        // With picocli's default, --input @FILE would read FILE's words as arguments: an --api-url among them.
        Path file = Files.writeString(dir.resolve("options.txt"), "x.csv --api-url http://127.0.0.1:9\n");

        CommandLine.ParseResult parsed = PolarErasureCommand.commandLine(Map.of())
                .parseArgs("run", "--input", "@" + file);

        CommandLine.ParseResult run = parsed.subcommand();
        assertThat(run.matchedOption("--input").getValue().toString()).isEqualTo("@" + file);
        assertThat(run.hasMatchedOption("--api-url")).isFalse();
    }

    @Test
    void an_empty_state_folder_is_refused_not_taken_as_the_current_folder() {
        StateOptions state = new StateOptions();
        state.stateDirOption = Path.of("");

        assertThatThrownBy(state::stateDir).isInstanceOf(UsageException.class)
                .hasMessageContaining("--state-dir is empty").hasMessageContaining("Nothing was done");
        state.stateDirOption = dir;
        assertThat(state.stateDir()).isEqualTo(dir);
    }
}
