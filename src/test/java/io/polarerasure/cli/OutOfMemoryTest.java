package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;

import io.polarerasure.kernel.ExitCodes;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;

import picocli.CommandLine;

class OutOfMemoryTest {

    @CommandLine.Command(name = "greedy")
    static final class Greedy implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    @Test
    void an_out_of_memory_error_exits_2_and_says_to_raise_the_heap_or_split_the_file() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new Greedy());
        commandLine.setErr(new PrintWriter(err, true));

        int code = PolarErasureCommand.execute(commandLine);

        assertThat(code).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("out of memory", "raise -Xmx (JAVA_TOOL_OPTIONS) or split the file",
                "Nothing more was sent").doesNotContain("\tat ");
    }

    @Test
    void finds_an_out_of_memory_error_under_the_exceptions_that_wrap_it() {
        Exception wrapped = new BeanCreationException("step", new IllegalStateException("chunk",
                new OutOfMemoryError("Java heap space")));

        assertThat(PolarErasureCommand.outOfMemory(wrapped)).isTrue();
        assertThat(PolarErasureCommand.outOfMemory(new IllegalStateException("chunk"))).isFalse();
    }
}
