package io.polarerasure.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.polarerasure.Workbooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request files as spreadsheets and export tools really write them: one fixture per case (text ones under
 * {@code src/test/resources/requests}, binary ones built here), each row's ID and verdict asserted.
 */
class RequestFormatsTest {

    @TempDir
    Path dir;

    @Test
    void tab_delimited_utf8_is_read() {
        RequestFile file = RequestFile.open(fixture("tab-delimited.csv"), "external_id");

        assertThat(file.delimiter()).isEqualTo('\t');
        assertThat(ids(fixture("tab-delimited.csv"), RequestOptions.of("external_id")))
                .containsExactly(tuple(1L, 2L, "usr_t1", null), tuple(2L, 3L, "usr_t2", null));
    }

    @Test
    void an_excel_sep_line_sets_the_delimiter_and_is_neither_header_nor_row() {
        Path file = fixture("sep-line.csv");

        assertThat(RequestFile.open(file, "external_id").delimiter()).isEqualTo(';');
        assertThat(ids(file, RequestOptions.of("external_id")))
                .containsExactly(tuple(1L, 3L, "usr_s1", null), tuple(2L, 4L, "usr_s2", null));
    }

    @Test
    void a_second_bom_in_front_of_the_header_is_ignored() {
        assertThat(ids(fixture("two-boms.csv"), RequestOptions.of("external_id")))
                .containsExactly(tuple(1L, 2L, "usr_b1", null));
    }

    @Test
    void a_missing_column_message_shows_invisible_characters() {
        Path file = write("bom-in-name.csv", "external_id,\u00A0name\u200B\nx,y\n".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> RequestFile.open(file, "customer"))
                .hasMessageContaining("headers found: \"external_id\", \"name<U+200B>\"");
    }

    @Test
    void a_repeated_header_row_is_invalid_and_not_a_duplicate_source() {
        Path file = fixture("joined-exports.csv");

        assertThat(ids(file, RequestOptions.of("external_id"))).containsExactly(
                tuple(1L, 2L, "usr_j1", null),
                tuple(2L, 3L, "usr_j2", null),
                tuple(3L, 4L, "external_id", "repeats the header row (external_id): two exports joined together? Not"
                        + " a request; not sent"),
                tuple(4L, 5L, "usr_j3", null));
    }

    @Test
    void records_of_only_empty_fields_are_skipped_and_counted() {
        ScanResult scan = RequestScan.scan(fixture("empty-records.csv"), "external_id");

        assertThat(scan.rows()).isEqualTo(3);
        assertThat(scan.skipped()).isEqualTo(1_247);
    }

    @Test
    void without_a_header_every_line_is_an_id() {
        RequestOptions noHeader = new RequestOptions("external_id", false, null, null);

        assertThat(ids(fixture("id-list.txt"), noHeader)).containsExactly(
                tuple(1L, 1L, "usr_n1", null), tuple(2L, 2L, "usr_n2", null), tuple(3L, 3L, "usr_n3", null));
    }

    @Test
    void without_a_header_the_first_column_of_a_delimited_file_is_the_id() {
        Path file = write("list.csv", "usr_1;Ann\nusr_2;Bob\n".getBytes(StandardCharsets.UTF_8));

        assertThat(ids(file, new RequestOptions("external_id", false, null, null)))
                .extracting(t -> t.toList().get(2)).containsExactly("usr_1", "usr_2");
    }

    @Test
    void with_no_header_a_first_line_that_names_columns_refuses_the_file() {
        RequestOptions noHeader = new RequestOptions("external_id", false, null, null);
        Path emailFirst = write("email-first.csv", "email,external_id\nanna@example.com,usr_a1\n"
                .getBytes(StandardCharsets.UTF_8));
        Path list = write("list.txt", "External_ID\nusr_1\n".getBytes(StandardCharsets.UTF_8));

        for (Path file : List.of(emailFirst, list)) {
            assertThatThrownBy(() -> ids(file, noHeader)).isInstanceOf(InputFileException.class)
                    .hasMessageStartingWith(file + " line 1: this line looks like a header row")
                    .hasMessageContaining("Run without --no-header");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"uid", "Kunden-ID", "user id", "CustomerId", "KundenID"})
    void with_no_header_a_first_line_naming_the_id_column_in_another_spelling_refuses_the_file(String name) {
        RequestOptions noHeader = new RequestOptions("external_id", false, null, null);
        Path list = write("list.txt", (name + "\nusr_n1\n").getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> ids(list, noHeader)).isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(list + " line 1: this line looks like a header row")
                .hasMessageContaining("Run without --no-header");
    }

    @Test
    void with_no_header_a_first_id_that_only_ends_in_id_is_read() {
        RequestOptions noHeader = new RequestOptions("external_id", false, null, null);
        Path list = write("list.txt", "squid\nusr_1ID\n".getBytes(StandardCharsets.UTF_8));

        assertThat(ids(list, noHeader)).extracting(t -> t.toList().get(2)).containsExactly("squid", "usr_1ID");
    }

    @Test
    void numbers_written_by_java_python_or_pandas_are_invalid_with_how_to_export_the_column_as_text() {
        // Reviewer's sci.csv: all five were WOULD_DELETE.
        Path file = write("sci.csv", ("external_id\n4.711e15\n1.0E10\n4711234567890120.0\n12345.0\n"
                + "4.711234567890120E15\n").getBytes(StandardCharsets.UTF_8));

        List<RequestRow> rows = RequestFiles.rows(file);

        assertThat(rows).extracting(RequestRow::valid).containsOnly(false).hasSize(5);
        assertThat(rows.get(0).invalid()).startsWith(IdRules.DAMAGED + "4.711e15 is a number in scientific notation"
                + " as a program writes it").contains("Export the ID column as text");
        assertThat(rows.get(1).invalid()).startsWith(IdRules.DAMAGED + "1.0E10 is a number in scientific notation");
        assertThat(rows.get(2).invalid()).startsWith(IdRules.DAMAGED + "4711234567890120.0 is a whole number written"
                + " with a fractional zero part").contains("Export the ID column as text");
        assertThat(rows.get(3).invalid()).startsWith(IdRules.DAMAGED + "12345.0 is a whole number");
        assertThat(rows.get(4).invalid()).startsWith(IdRules.DAMAGED + "4.711234567890120E15 is a number in");
    }

    @Test
    void a_record_with_more_fields_than_the_header_is_invalid_since_its_columns_may_have_shifted() {
        // An unquoted comma in a name shifts the ID column onto the first name.
        Path file = write("shifted.csv", ("name,external_id,email\nAnna Schmidt,usr_a00104,a@x\n"
                + "Müller, Jürgen,usr_a00105,jm@example.de\nBo,usr_a00106,b@x,\n").getBytes(StandardCharsets.UTF_8));

        List<org.assertj.core.groups.Tuple> rows = ids(file, RequestOptions.of("external_id"));

        assertThat(rows).extracting(t -> t.toList().get(2)).containsExactly("usr_a00104", "Jürgen", "usr_a00106");
        assertThat(rows.get(0).toList().get(3)).isNull();
        assertThat((String) rows.get(1).toList().get(3)).startsWith("has 4 fields but the header has 3: a value"
                + " probably contains an unquoted ','");
        assertThat(rows.get(2).toList().get(3)).as("an empty field past the header: a trailing delimiter").isNull();
    }

    @Test
    void a_list_of_ids_without_header_suggests_no_header_and_never_an_id_as_column() {
        Path file = fixture("id-list.txt");

        assertThatThrownBy(() -> RequestFile.open(file, "external_id"))
                .isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 1: the header has no column named external_id")
                .hasMessageContaining("run again with --no-header")
                .hasMessageNotContaining("--id-column");
    }

    @Test
    void spreadsheet_damage_makes_each_row_invalid_with_what_happened_and_how_to_export() {
        List<RequestRow> rows = RequestFiles.rows(fixture("damaged-export.csv"));

        assertThat(rows).extracting(RequestRow::externalId).containsExactly("4.711E+15", "1.23457e+11",
                "=\"00042731\"", "\u201Cusr_q1\u201D", "'00042731", "usr_ok1", "\u2018usr_q2\u2019", "\u00ABusr_q3\u00BB");
        assertThat(rows.get(0).invalid()).startsWith(IdRules.DAMAGED + "4.711E+15 is a number in scientific"
                + " notation").contains("Format the ID column as Text");
        assertThat(rows.get(1).invalid()).startsWith(IdRules.DAMAGED + "1.23457e+11 is a number in scientific");
        assertThat(rows.get(2).invalid()).startsWith(IdRules.DAMAGED + "the value is wrapped as =\"...\"")
                .endsWith("the ID is probably 00042731");
        assertThat(rows.get(3).invalid()).startsWith(IdRules.DAMAGED + "the value is surrounded by typographic"
                + " quotes \u201C \u201D").endsWith("the ID is probably usr_q1");
        assertThat(rows.get(4).invalid()).startsWith(IdRules.DAMAGED + "the value starts with '")
                .endsWith("the ID is probably 00042731");
        assertThat(rows.get(5).invalid()).isNull();
        assertThat(rows.get(6).invalid()).endsWith("the ID is probably usr_q2");
        assertThat(rows.get(7).invalid()).endsWith("the ID is probably usr_q3");
    }

    @Test
    void an_id_pattern_catches_lost_leading_zeros() {
        RequestOptions eightDigits = new RequestOptions("external_id", true, null, Pattern.compile("[0-9]{8}"));

        assertThat(ids(fixture("lost-leading-zeros.csv"), eightDigits)).containsExactly(
                tuple(1L, 2L, "00042731", null),
                tuple(2L, 3L, "42731", "does not match --id-pattern [0-9]{8}: not an ID of this merchant's shape (a"
                        + " spreadsheet may have dropped leading zeros or cut digits); check it against the source"
                        + " system"),
                tuple(3L, 4L, "00042733", null));
    }

    @Test
    void ids_keep_their_form_as_written_beside_the_trimmed_one() {
        List<RequestRow> rows = RequestFiles.rows(fixture("untrimmed-ids.csv"));

        assertThat(rows).extracting(RequestRow::externalId, RequestRow::asWritten, RequestRow::writtenWithWhitespace)
                .containsExactly(tuple("usr_w1", "  usr_w1", true), tuple("usr_w2", "usr_w2 ", true),
                        tuple("usr_w3", "usr_w3", false), tuple("usr_w4", "\u00A0usr_w4", true));
        assertThat(rows).allSatisfy(row -> assertThat(row.valid()).isTrue());
    }

    @ParameterizedTest
    @ValueSource(strings = {"UTF-16LE", "UTF-16BE"})
    void utf16_with_a_byte_order_mark_is_read(String encoding) {
        // Excel's "Unicode Text": UTF-16LE with a BOM, tab-delimited.
        Charset charset = Charset.forName(encoding);
        Path file = write("unicode.txt", concat(encoding.endsWith("LE") ? new byte[] {(byte) 0xFF, (byte) 0xFE}
                : new byte[] {(byte) 0xFE, (byte) 0xFF}, "external_id\tname\r\nusr_u1\tZo\u00eb\r\nusr_\u00fc2\tA\r\n"
                .getBytes(charset)));

        assertThat(ids(file, RequestOptions.of("external_id")))
                .containsExactly(tuple(1L, 2L, "usr_u1", null), tuple(2L, 3L, "usr_\u00fc2", null));
    }

    @Test
    void windows_1252_is_refused_naming_the_line_and_the_fix() {
        Path file = write("ansi.csv", "external_id\nusr_1\nJos\u00e9\n".getBytes(Charset.forName("windows-1252")));

        assertThatThrownBy(() -> RequestScan.scan(file, "external_id"))
                .hasMessageStartingWith(file + " line 3: byte 0xE9 is not valid UTF-8")
                .hasMessageContaining("Windows-1252").hasMessageContaining("CSV UTF-8");
    }

    @Test
    void utf16_big_endian_without_a_byte_order_mark_is_refused_as_such() {
        Path file = write("be.csv", "external_id\nusr_1\n".getBytes(StandardCharsets.UTF_16BE));

        assertThatThrownBy(() -> RequestFile.open(file, "external_id"))
                .hasMessageStartingWith(file + " line 1: the file looks like UTF-16BE text without a byte order mark");
    }

    @Test
    void binary_data_is_refused_as_not_text() {
        byte[] bytes = new byte[2_000];
        Arrays.fill(bytes, (byte) 1);
        Path file = write("data.bin", bytes);

        assertThatThrownBy(() -> RequestFile.open(file, "external_id"))
                .hasMessageStartingWith(file + " line 1: the file is binary data");
    }

    @Test
    void a_workbook_under_another_name_is_read_as_a_workbook() throws IOException {
        // A run reads its snapshot, which keeps the workbook's bytes but not its name.
        Path workbook = Workbooks.write(dir.resolve("requests.xlsx"),
                Map.of("S", List.of(List.of("external_id"), List.of("usr_w1"))));
        Path renamed = write("requests.csv", read(workbook));

        try (RequestFile.Rows rows = RequestFile.open(renamed, "external_id").rows()) {
            assertThat(rows.next().externalId()).isEqualTo("usr_w1");
            assertThat(rows.next()).isNull();
        }
    }

    @Test
    void a_workbook_is_read_cell_by_cell() {
        List<List<Object>> rows = new ArrayList<>();
        rows.add(List.of("request_id", "external_id"));
        rows.add(List.of("R1", "usr_x1"));
        rows.add(Arrays.asList("R2", Workbooks.number("42731")));
        rows.add(Arrays.asList("R3", Workbooks.number("1.2345678901234568E+18")));
        rows.add(Arrays.asList("R4", Workbooks.number("1234.5")));
        rows.add(Arrays.asList("R5", Workbooks.date(45000)));
        rows.add(Arrays.asList("R6", Workbooks.error("#N/A")));
        rows.add(Arrays.asList("R7", Workbooks.formula("TEXT(A1,\"0\")", "00042731")));
        rows.add(null); // an empty row Excel does not store
        rows.add(Arrays.asList(null, null));
        rows.add(Arrays.asList("R8", Workbooks.inline(" usr_x8 ")));
        rows.add(List.of("R9", "4.711E+15"));
        rows.add(List.of("external_id", "external_id"));
        rows.add(Arrays.asList("R10", Workbooks.number("123456789012345")));
        Path file = Workbooks.write(dir.resolve("requests.xlsx"), Map.of("Requests", rows));

        List<RequestRow> read = RequestFiles.rows(file);

        assertThat(read).extracting(RequestRow::row, RequestRow::line, RequestRow::externalId).containsExactly(
                tuple(1L, 2L, "usr_x1"), tuple(2L, 3L, "42731"), tuple(3L, 4L, "1.2345678901234568E+18"),
                tuple(4L, 5L, "1234.5"), tuple(5L, 6L, "45000"), tuple(6L, 7L, "#N/A"), tuple(7L, 8L, "00042731"), tuple(8L, 11L, "usr_x8"),
                tuple(9L, 12L, "4.711E+15"), tuple(10L, 13L, "external_id"), tuple(11L, 14L, "123456789012345"));
        assertThat(read.get(0).invalid()).isNull();
        assertThat(read.get(1).invalid()).isNull();
        assertThat(read.get(2).invalid()).startsWith(IdRules.DAMAGED + "cell B4 is the number"
                + " 1.2345678901234568E+18 (19 digits, shown as 1.23457E+18): a spreadsheet keeps at most 15"
                + " significant digits of a number");
        assertThat(read.get(3).invalid()).startsWith("cell B5 is the number 1234.5, not a whole number");
        assertThat(read.get(4).invalid()).startsWith("cell B6 is a date or time (45000");
        assertThat(read.get(5).invalid()).startsWith("cell B7 holds the spreadsheet error #N/A");
        assertThat(read.get(6).invalid()).isNull(); // a formula counts as its saved result
        assertThat(read.get(7)).extracting(RequestRow::asWritten, RequestRow::invalid).containsExactly(" usr_x8 ", null);
        assertThat(read.get(8).invalid()).startsWith(IdRules.DAMAGED + "4.711E+15 is a number in scientific");
        assertThat(read.get(9).invalid()).startsWith("repeats the header row");
        assertThat(read.get(10).invalid()).isNull();
    }

    @Test
    void a_named_sheet_is_read_and_a_missing_one_is_refused_listing_the_sheets() {
        Map<String, List<List<Object>>> sheets = new LinkedHashMap<>();
        sheets.put("Notes", List.of(List.of("nothing here")));
        sheets.put("Erasure", List.of(List.of("external_id"), List.of("usr_2nd")));
        Path file = Workbooks.write(dir.resolve("book.xlsx"), sheets);

        assertThat(ids(file, new RequestOptions("external_id", true, "Erasure", null)))
                .containsExactly(tuple(1L, 2L, "usr_2nd", null));
        assertThatThrownBy(() -> RequestFile.open(file, "external_id").rows())
                .hasMessageContaining("the header has no column named external_id; headers found: \"nothing here\"");
        assertThatThrownBy(() -> RequestFile.open(file, new RequestOptions("external_id", true, "erasure", null))
                .rows())
                .hasMessageStartingWith(file + " line 1: the workbook has no sheet named \"erasure\"; sheets:"
                        + " \"Notes\", \"Erasure\"");
    }

    @Test
    void opening_a_workbook_leaves_reading_it_to_each_pass_which_opens_it_once() throws IOException {
        // Not a zip: were it opened here, this would throw.
        Path file = write("broken.xlsx", "not a workbook".getBytes(StandardCharsets.UTF_8));

        RequestFile requests = RequestFile.open(file, "external_id");

        assertThat(requests.workbook()).isTrue();
        assertThatThrownBy(requests::rows).isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 1: cannot be read as an .xlsx workbook");
    }

    @Test
    void a_cell_beside_a_single_column_header_is_read_as_extra_data_not_refused() {
        // In a sheet each cell is its own column: no delimiter can have split the ID.
        Path file = Workbooks.write(dir.resolve("notes.xlsx"), Map.of("S", List.of(List.of("external_id"),
                List.of("usr_n1", "asked by phone"), List.of("usr_n2"))));

        assertThat(ids(file, RequestOptions.of("external_id")))
                .containsExactly(tuple(1L, 2L, "usr_n1", null), tuple(2L, 3L, "usr_n2", null));
    }

    @Test
    void a_workbook_is_identified_by_the_sha256_of_its_bytes() throws IOException {
        Path file = Workbooks.write(dir.resolve("requests.xlsx"), Map.of("S", List.of(List.of("external_id"),
                List.of("usr_1"))));

        ScanResult scan = RequestScan.scan(file, "external_id");

        assertThat(scan.rows()).isEqualTo(1);
        assertThat(scan.sha256()).isEqualTo(io.polarerasure.kernel.Sha256.of(file));
    }

    private static List<org.assertj.core.groups.Tuple> ids(Path file, RequestOptions options) {
        List<org.assertj.core.groups.Tuple> rows = new ArrayList<>();
        try (RequestFile.Rows all = RequestFile.open(file, options).rows()) {
            for (RequestRow row = all.next(); row != null; row = all.next()) {
                rows.add(tuple(row.row(), row.line(), row.externalId(), row.invalid()));
            }
        }
        return rows;
    }

    private static Path fixture(String name) {
        try {
            return Path.of(RequestFormatsTest.class.getResource("/requests/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path write(String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
