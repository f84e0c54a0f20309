package io.polarerasure.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.polarerasure.Workbooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two exports joined with {@code cat}: a second header in the same layout is one INVALID row; one in another
 * column order or with another delimiter refuses the whole file at the scan, before anything could be sent.
 */
class JoinedExportsTest {

    @TempDir
    Path dir;

    @Test
    void a_second_header_spelt_in_another_case_is_an_invalid_row_and_the_rows_after_it_are_read() {
        List<RequestRow> rows = RequestFiles.rows(fixture("joined-other-case.csv"));

        assertThat(rows).extracting(RequestRow::line, RequestRow::externalId, RequestRow::valid).containsExactly(
                org.assertj.core.groups.Tuple.tuple(2L, "usr_111111", true),
                org.assertj.core.groups.Tuple.tuple(3L, "External_ID", false),
                org.assertj.core.groups.Tuple.tuple(4L, "usr_222222", true));
        assertThat(rows.get(1).invalid()).startsWith("repeats the header row (external_id)");
    }

    @Test
    void a_second_header_that_kept_its_byte_order_mark_repeats_the_header_row() {
        // cat a.csv b.csv of two "CSV UTF-8" exports: the bytes EF BB BF start the second part too.
        byte[] part = concat(BOM, "external_id,email\r\nusr_111111,a@x\r\n".getBytes(StandardCharsets.UTF_8));
        Path file = RequestFiles.write(dir, concat(part, concat(BOM,
                "external_id,email\r\nusr_222222,b@x\r\n".getBytes(StandardCharsets.UTF_8))));

        List<RequestRow> rows = RequestFiles.rows(file);

        assertThat(rows).extracting(RequestRow::line, RequestRow::valid).containsExactly(
                org.assertj.core.groups.Tuple.tuple(2L, true), org.assertj.core.groups.Tuple.tuple(3L, false),
                org.assertj.core.groups.Tuple.tuple(4L, true));
        assertThat(rows.get(1).invalid()).startsWith("repeats the header row (external_id)");
        assertThat(rows.get(2).externalId()).isEqualTo("usr_222222");
    }

    @Test
    void a_second_header_with_its_byte_order_mark_in_another_column_order_refuses_the_file() {
        Path file = RequestFiles.write(dir, concat("email,external_id\na@x,usr_1\n".getBytes(StandardCharsets.UTF_8),
                concat(BOM, "external_id,email\nusr_2,b@x\n".getBytes(StandardCharsets.UTF_8))));

        assertThatThrownBy(() -> RequestScan.scan(file, "external_id")).isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 3: repeats the header in another column order"
                        + " (external_id,email)");
    }

    @Test
    void an_excel_separator_line_after_a_byte_order_mark_is_not_a_request() {
        Path file = RequestFiles.write(dir, concat("external_id\nusr_1\n".getBytes(StandardCharsets.UTF_8),
                concat(BOM, "sep=;\nexternal_id\nusr_2\n".getBytes(StandardCharsets.UTF_8))));

        List<RequestRow> rows = RequestFiles.rows(file);

        assertThat(rows).extracting(RequestRow::valid).containsExactly(true, false, false, true);
        assertThat(rows.get(1).invalid()).startsWith("is Excel's sep=; line");
        assertThat(rows.get(2).invalid()).startsWith("repeats the header row");
    }

    @Test
    void a_second_header_in_another_column_order_refuses_the_file_at_the_scan() {
        Path file = fixture("joined-other-order.csv");

        assertThatThrownBy(() -> RequestScan.scan(file, "external_id")).isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 3: repeats the header in another column order"
                        + " (email,external_id): the file joins two exports with different layouts")
                .hasMessageContaining("Nothing was sent. Export the parts with the same columns in the same order,"
                        + " or split the file before line 3 into two files, and run each.");
    }

    @Test
    void a_second_header_with_another_delimiter_refuses_the_file_at_the_scan() {
        Path file = fixture("joined-other-delimiter.csv");

        assertThatThrownBy(() -> RequestScan.scan(file, "external_id")).isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 3: repeats the header with another delimiter"
                        + " (external_id;email, split at ';')")
                .hasMessageContaining("Export the parts with the same delimiter and columns");
    }

    @ParameterizedTest
    @ValueSource(strings = {"customer_ref\nusr_1\nCUSTOMER_REF;email\nusr_2;b@x\n",
        "name;customer_ref\nAnn;usr_1\ncustomer_ref,name\nusr_2,Bob\n",
        "customer_ref\tname\nusr_1\tAnn\nname\t\"customer_ref\"\nBob\tusr_2\n",
        "customer_ref,name\nusr_1,Ann\n\"customer_ref\tname\"\n"})
    void every_delimiter_and_order_is_recognised_whatever_the_id_column(String content) {
        Path file = RequestFiles.write(dir, content);

        assertThatThrownBy(() -> RequestScan.scan(file, "customer_ref")).isInstanceOf(InputFileException.class)
                .hasMessageContaining("line 3: repeats the header")
                .hasMessageContaining("the file joins two exports with different layouts");
    }

    @Test
    void a_value_that_only_contains_the_column_name_is_not_a_header() {
        Path file = RequestFiles.write(dir, "external_id,note\nusr_1,see external_id_old\nusr_2,\"a,b\"\n");

        assertThat(RequestScan.scan(file, "external_id").rows()).isEqualTo(2);
    }

    @Test
    void a_sheet_row_repeating_the_header_in_another_order_refuses_the_workbook() {
        Path book = Workbooks.write(dir.resolve("joined.xlsx"), Map.of("Requests", List.of(
                List.of("external_id", "email"), List.of("usr_1", "a@x"), List.of("Email", "External_ID"),
                List.of("b@x", "usr_2"))));

        assertThatThrownBy(() -> RequestScan.scan(book, "external_id")).isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(book + " line 3: repeats the header in another column order"
                        + " (Email,External_ID)");
    }

    @Test
    void a_sheet_cell_holding_a_delimited_header_refuses_the_workbook() {
        Path book = Workbooks.write(dir.resolve("pasted.xlsx"), Map.of("Requests", List.of(
                List.of("external_id"), List.of("usr_1"), List.of("external_id,email"), List.of("usr_2,b@x"))));

        assertThatThrownBy(() -> RequestScan.scan(book, "external_id")).isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(book + " line 3: repeats the header with another delimiter"
                        + " (external_id,email, split at ',')");
    }

    @Test
    void a_second_header_spelt_another_way_refuses_the_file_instead_of_sending_its_names_and_shifted_rows() {
        // Reviewer's j4.csv: the second export calls the column "External ID" and puts it second; read in the first
        // layout, "name" and "Bob Smith" stood in the ID column and were sent.
        Path file = RequestFiles.write(dir, "external_id,name\nusr_j1,a\nname,External ID\nBob Smith,usr_j2\n");

        assertThatThrownBy(() -> RequestScan.scan(file, "external_id")).isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 3: repeats the header spelt another way (External ID names an"
                        + " ID column) (name,External ID): the file joins two exports with different layouts")
                .hasMessageContaining("Nothing was sent");
    }

    @ParameterizedTest
    @ValueSource(strings = {"uid", "Kunden-ID", "CustomerId", "\uFEFFuser id"})
    void a_second_header_naming_its_id_column_otherwise_in_the_id_column_refuses_the_file(String name) {
        Path file = RequestFiles.write(dir, "external_id,email\nusr_1,a@x\n" + name + ",email\nusr_2,b@x\n");

        assertThatThrownBy(() -> RequestScan.scan(file, "external_id")).isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 3: repeats the header spelt another way");
    }

    @Test
    void an_id_that_looks_like_a_column_name_beside_data_is_read_as_data() throws Exception {
        // A typo fixed to "fixed_id" (OperatorMistakesIT): no other field of its record is a column name.
        Path file = RequestFiles.write(dir, "external_id,email\nusr_1,a@x\nfixed_id,c@x\n");

        assertThat(RequestScan.scan(file, "external_id").rows()).isEqualTo(2);
    }

    @Test
    void data_fields_holding_plain_words_or_ids_are_read_as_data() {
        // A role, a channel and Indonesia's country code are data; so is an ID ending in "id" without a boundary.
        Path file = RequestFiles.write(dir, "external_id,role,channel,country\nusr_1,customer,email,ID\n"
                + "squid,Customer,E-Mail,id\nusr_2id,x,y,z\n");

        assertThat(RequestFiles.rows(file)).extracting(RequestRow::externalId, RequestRow::valid).containsExactly(
                org.assertj.core.groups.Tuple.tuple("usr_1", true), org.assertj.core.groups.Tuple.tuple("squid", true),
                org.assertj.core.groups.Tuple.tuple("usr_2id", true));
    }

    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static Path fixture(String name) {
        try {
            return Path.of(JoinedExportsTest.class.getResource("/requests/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
