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
}
