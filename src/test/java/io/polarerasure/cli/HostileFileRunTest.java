package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.kernel.ExitCodes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** A bad request file stops the run with exit 2 and a message naming file and line; not one request is sent. */
class HostileFileRunTest {

    @TempDir
    Path dir;

    @Test
    void a_file_bad_after_valid_rows_exits_2_and_sends_nothing() throws IOException {
        Path input = Files.write(dir.resolve("requests.csv"),
                "external_id\ncus-1\ncus-2\n\"cus-3\ncus-4\n".getBytes(StandardCharsets.UTF_8));
        StringWriter err = new StringWriter();
        try (FakePolar polar = FakePolar.builder().customers(Set.of("cus-1", "cus-2")).build().start()) {
            CommandLine commandLine = PolarErasureCommand.commandLine(
                    Map.of(AccessToken.ENVIRONMENT_VARIABLE, FakePolar.DEFAULT_TOKEN));
            commandLine.setOut(new PrintWriter(new StringWriter()));
            commandLine.setErr(new PrintWriter(err, true));

            int code = commandLine.execute("run", "--input", input.toString(), "--api-url", polar.baseUrl(),
                    "--state-dir", dir.resolve("state").toString());

            assertThat(code).isEqualTo(ExitCodes.USAGE);
            assertThat(polar.requests()).isEmpty();
        }
        assertThat(err.toString()).contains(input + " line 4:").contains("never closed");
        assertThat(dir.resolve("requests.audit.csv")).doesNotExist();
    }
}
