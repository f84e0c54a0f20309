package io.polarerasure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.polarerasure.fakepolar.FakePolar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real jar with a heap too small for its input: a workbook's shared-strings table (which fastexcel keeps in
 * memory) of 300,000 distinct IDs does not fit in 16 MiB, so the scan runs out of memory.
 */
class OutOfMemoryIT {

    @TempDir
    Path dir;

    @RegisterExtension
    final RealJar jar = new RealJar(() -> dir, Duration.ofMinutes(5))
            .jvmOptions("-Xmx16m", "-XX:TieredStopAtLevel=1").env("POLAR_ACCESS_TOKEN", FakePolar.DEFAULT_TOKEN);

    @Test
    void a_run_out_of_memory_exits_2_says_what_to_do_and_sends_nothing() throws Exception {
        Path input = Workbooks.writeLarge(dir.resolve("requests.xlsx"), 300_000, i -> "customer_id_" + i);
        try (FakePolar polar = FakePolar.builder().allExist(true).build().start()) {
            for (List<String> mode : List.of(List.of("--dry-run"), List.of("--api-url", polar.baseUrl()))) {
                List<String> arguments = new ArrayList<>(List.of("run", "--input", input.toString(),
                        "--state-dir", dir.resolve("state").toString(), "--progress", "0"));
                arguments.addAll(mode);
                int code = jar.run(arguments.toArray(String[]::new));

                String output = jar.lastLog();
                assertThat(code).as(output).isEqualTo(2);
                // When the heap runs out inside the JDK's reference handler, the JDK prints its own trace before it
                // exits ("Cleaner terminated abnormally", jdk.internal.ref.Cleaner): no hook of ours can stop that one.
                String ours = output.replaceAll("(?s)java\\.lang\\.Error: Cleaner terminated abnormally.*?"
                        + "Caused by: java\\.lang\\.OutOfMemoryError[^\\n]*\\n", "");
                assertThat(output).contains("out of memory", "raise -Xmx (JAVA_TOOL_OPTIONS) or split the file");
                assertThat(ours).as(output).doesNotContain("\tat ");
            }
            assertThat(polar.requests()).isEmpty();
        }
    }
}
