package io.polarerasure.input;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A request file that cannot be used is named for what it is, with what to do: not "does not exist" for a pipe. */
class InputPathTest {

    @TempDir
    Path dir;

    @Test
    void a_pipe_is_named_a_pipe_and_the_message_says_to_save_it_to_a_regular_file() throws Exception {
        Path fifo = dir.resolve("requests.csv");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0).as("mkfifo").isTrue();

        assertThat(InputPath.problem(fifo)).hasValueSatisfying(message -> assertThat(message)
                .contains(fifo.toString(), "it is a pipe", "Save the request file to a regular file first")
                .doesNotContain("does not exist"));
    }

    @Test
    void a_device_a_folder_and_a_missing_file_are_each_named_and_a_regular_file_passes() throws Exception {
        assertThat(InputPath.problem(Path.of("/dev/null"))).hasValueSatisfying(message -> assertThat(message)
                .contains("it is a device", "regular file").doesNotContain("does not exist"));
        assertThat(InputPath.problem(dir)).hasValueSatisfying(message -> assertThat(message).contains("is a folder"));
        assertThat(InputPath.problem(dir.resolve("missing.csv"))).hasValueSatisfying(message -> assertThat(message)
                .contains("missing.csv: it does not exist. Check the path"));
        assertThat(InputPath.problem(Files.writeString(dir.resolve("ok.csv"), "external_id\nusr_1\n"))).isEmpty();
    }
}
