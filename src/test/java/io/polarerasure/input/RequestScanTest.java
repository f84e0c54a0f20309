package io.polarerasure.input;

import static io.polarerasure.input.RequestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequestScanTest {

    @TempDir
    Path dir;

    @Test
    void sha256_is_that_of_the_file_bytes_as_sha256sum_prints_it() {
        // printf '\xef\xbb\xbfexternal_id,name\r\nalice,"Ann\r\nLee"\r\nbob,Bob' | sha256sum
        Path file = write(dir, "\uFEFFexternal_id,name\r\nalice,\"Ann\r\nLee\"\r\nbob,Bob");

        ScanResult scan = RequestScan.scan(file, "external_id");

        assertThat(scan.sha256()).isEqualTo("ddc29866b81392d9d1e28d9645c8db3825d4b14d4823961e162ff6d92d95c95b");
        assertThat(scan.file()).isEqualTo(file);
        assertThat(scan.rows()).isEqualTo(2);
    }

    @Test
    void header_only_file_has_no_rows() {
        ScanResult scan = RequestScan.scan(write(dir, "external_id\n"), "external_id");

        assertThat(scan.rows()).isZero();
        assertThat(scan.duplicates().count()).isZero();
        // printf 'external_id\n' | sha256sum
        assertThat(scan.sha256()).isEqualTo("e97ec7fb64a537ce5d81d40c68145094a39fab738a6a88aacc1208a901ea1984");
    }

    @Test
    void duplicates_point_to_the_first_row_with_the_same_trimmed_id() {
        Path file = write(dir, "external_id\na\nb\n a \nA\nb\na\n");

        DuplicateIndex duplicates = RequestScan.scan(file, "external_id").duplicates();

        assertThat(LongStream.rangeClosed(1, 6).mapToObj(duplicates::firstRowOf)).containsExactly(
                OptionalLong.empty(), OptionalLong.empty(), OptionalLong.of(1), OptionalLong.empty(),
                OptionalLong.of(2), OptionalLong.of(1));
        assertThat(duplicates.count()).isEqualTo(3);
    }

    @Test
    void invalid_ids_take_no_part_in_duplicates() {
        Path file = write(dir, "name,external_id\nx,a/b\nx,a/b\nx\nx\nx,\nx,\nx,ok\n");

        ScanResult scan = RequestScan.scan(file, "external_id");

        assertThat(scan.rows()).isEqualTo(7);
        assertThat(scan.duplicates().count()).isZero();
    }

    @Test
    void finds_a_syntax_error_on_the_last_line_before_anything_is_sent() {
        Path file = write(dir, "external_id\na\nb\n\"c\"d\n");

        assertThatThrownBy(() -> RequestScan.scan(file, "external_id"))
                .isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 4: text follows the closing quote");
    }
}
