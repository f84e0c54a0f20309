package io.polarerasure.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import io.polarerasure.job.RequestReader;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Request files from outside the company, at their worst. Each must stop the scan (the run then exits 2 before
 * anything is sent) with a message naming the file and line, in bounded memory: surefire runs this class in its own
 * JVM with {@code -Xmx64m}, smaller than the largest file here. Files are generated as streams, never as strings.
 */
class RequestFileHostileInputTest {

    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @BeforeAll
    static void the_heap_is_really_small() {
        assertThat(Runtime.getRuntime().maxMemory()).as("run by the hostile-input surefire execution")
                .isLessThanOrEqualTo(80 * MIB);
    }

    @Test
    void binary_garbage_stops_at_the_first_bad_byte() throws IOException {
        Random random = new Random(6);
        Path file = generate("garbage.bin", out -> {
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 16; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        });
        assertRefused(file, "line ", "not UTF-8");
    }

    @Test
    void a_single_line_of_200_mib_stops_after_the_record_limit() throws IOException {
        Path file = generate("one-line.csv", out -> {
            out.write("external_id,".getBytes(StandardCharsets.US_ASCII));
            repeat(out, (byte) 'a', 200 * MIB);
        });
        assertThat(Files.size(file)).isGreaterThan(200 * MIB);
        assertRefused(file, "line 1:", "longer than 65,536 characters");
    }

    @Test
    void a_field_of_10_mib_stops_at_its_record() throws IOException {
        Path file = generate("big-field.csv", out -> {
            out.write("external_id,note\ncus-1,ok\ncus-2,\"".getBytes(StandardCharsets.US_ASCII));
            repeat(out, (byte) 'x', 10 * MIB);
            out.write("\"\ncus-3,ok\n".getBytes(StandardCharsets.US_ASCII));
        });
        assertRefused(file, "line 3:", "longer than 65,536 characters");
    }

    @Test
    void invalid_utf8_is_refused_with_its_bytes_and_line() throws IOException {
        Path file = generate("latin1.csv", out -> out.write(
                "external_id\ncus-1\nJos\u00e9\n".getBytes(StandardCharsets.ISO_8859_1)));
        assertRefused(file, "line 3:", "byte 0xE9");
    }

    @Test
    void a_million_columns_in_the_header_or_a_row_are_refused() throws IOException {
        Path wideHeader = generate("wide-header.csv", out -> {
            out.write("external_id".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 1_000_000; i++) {
                out.write(",c".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("\ncus-1\n".getBytes(StandardCharsets.US_ASCII));
        });
        assertRefused(wideHeader, "line 1:", "longer than");
        Path wideRow = generate("wide-row.csv", out -> {
            out.write("external_id,note\ncus-1,a\n".getBytes(StandardCharsets.US_ASCII));
            repeat(out, (byte) ',', 1_000_000);
            out.write('\n');
        });
        assertRefused(wideRow, "line 3:", "longer than");
    }

    @Test
    void an_unterminated_quote_is_reported_where_it_opens_even_with_megabytes_after_it() throws IOException {
        Path small = generate("open-quote.csv", out -> out.write(
                "external_id\ncus-1\n\"cus-2\ncus-3\n".getBytes(StandardCharsets.US_ASCII)));
        assertRefused(small, "line 3:", "never closed");
        Path large = generate("open-quote-large.csv", out -> {
            out.write("external_id\n\"cus-1\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 500_000; i++) {
                out.write(("cus-" + i + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        });
        assertRefused(large, "line 2:", "longer than 65,536 characters");
    }

    @Test
    void a_file_that_grows_while_it_is_scanned_is_refused() throws Exception {
        Path file = generate("growing.csv", out -> {
            out.write("external_id\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 50_000; i++) {
                out.write(("cus-" + i + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        });
        AtomicBoolean scanning = new AtomicBoolean(true);
        // An export still being written: a writer that keeps appending as long as the scan runs.
        Thread writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.APPEND)) {
                byte[] rows = "late\n".repeat(1_000).getBytes(StandardCharsets.US_ASCII);
                while (scanning.get()) {
                    out.write(rows);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        writer.start();
        try {
            assertRefused(file, "line ", "changed while it was being read");
        } finally {
            scanning.set(false);
            writer.join();
        }
    }

    @Test
    void rows_appended_after_the_scan_are_never_read() throws Exception {
        Path file = RequestFiles.write(dir, "external_id\ncus-1\ncus-2\n");
        ScanResult scan = RequestScan.scan(file, "external_id");
        Files.writeString(file, "appended-1\nappended-2\n", StandardOpenOption.APPEND);

        RequestReader reader = new RequestReader(file, "external_id", scan.rows());
        reader.open(new ExecutionContext());
        assertThat(reader.read().externalId()).isEqualTo("cus-1");
        assertThat(reader.read().externalId()).isEqualTo("cus-2");
        assertThat(reader.read()).isNull();
        reader.close();
    }

    private void assertRefused(Path file, String line, String problem) {
        assertThatThrownBy(() -> RequestScan.scan(file, "external_id"))
                .isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " " + line.strip())
                .hasMessageContaining(problem)
                .hasMessageContaining("run again");
    }

    private interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private Path generate(String name, Content content) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            content.writeTo(out);
        }
        return file;
    }

    private static void repeat(OutputStream out, byte value, long count) throws IOException {
        byte[] chunk = new byte[1 << 20];
        Arrays.fill(chunk, value);
        for (long left = count; left > 0; left -= chunk.length) {
            out.write(chunk, 0, (int) Math.min(chunk.length, left));
        }
    }
}
