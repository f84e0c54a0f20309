package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import io.polarerasure.kernel.ExitCodes;
import org.junit.jupiter.api.Test;

/** A command line that does not parse: the error, what was probably meant, where the options are; exit 2. */
class UsageErrorTest {

    @Test
    void an_id_without_its_option_says_how_lookup_takes_ids_instead_of_the_whole_help_page() {
        Cli.Result result = Cli.run(Map.of(), "lookup", "--state-dir", "/nonexistent", "usr_1");

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("Unmatched argument at index 3: 'usr_1'")
                .contains("external IDs are given with --id ID (repeatable) or --ids-file FILE")
                .contains("`polar-erasure lookup --help` lists the options").doesNotContain("Usage:");
    }

    @Test
    void an_unknown_command_gets_picoclis_suggestion_and_the_commands_help() {
        Cli.Result result = Cli.run(Map.of(), "stauts");

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("Did you mean: polar-erasure status?")
                .contains("`polar-erasure --help` lists the commands").doesNotContain("every value");
    }
}
