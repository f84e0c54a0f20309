package io.polarerasure.input;

import static io.polarerasure.input.RequestFiles.rows;
import static io.polarerasure.input.RequestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestFileTest {

    @TempDir
    Path dir;

    @Test
    void reads_rows_in_order_with_row_and_line_numbers() {
        Path file = write(dir, "external_id\na\nb\nc\n");

        assertThat(rows(file)).containsExactly(
                new RequestRow(1, 2, "a"),
                new RequestRow(2, 3, "b"),
                new RequestRow(3, 4, "c"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n", "\r\n", "\r"})
    void any_line_end_gives_the_same_rows(String eol) {
        Path file = write(dir, String.join(eol, "external_id,name", "a,Ann", "b,Bob") + eol);

        assertThat(rows(file)).containsExactly(new RequestRow(1, 2, "a"), new RequestRow(2, 3, "b"));
    }

    @Test
    void last_line_needs_no_line_end() {
        assertThat(rows(write(dir, "external_id\r\na\r\nb"))).containsExactly(
                new RequestRow(1, 2, "a"), new RequestRow(2, 3, "b"));
    }

    @Test
    void ignores_a_utf8_bom() {
        Path file = write(dir, "\uFEFFexternal_id\nzoë\n");

        assertThat(rows(file)).containsExactly(new RequestRow(1, 2, "zoë"));
    }

    @Test
    void keeps_a_bom_that_is_not_at_the_start() {
        // Only the file's first character can be a byte order mark; elsewhere it is data (and IdRules rejects it).
        assertThat(rows(write(dir, "external_id\n\uFEFFa\n"))).containsExactly(new RequestRow(1, 2, "\uFEFFa",
                "\uFEFFa", "external_id contains control or invisible character U+FEFF at position 1"));
    }

    @Test
    void quoted_fields_hold_delimiters_quotes_and_line_breaks() {
        Path file = write(dir, "external_id,note\n"
                + "\"a,1\",x\n"
                + "\"b \"\"q\"\"\",x\n"
                + "\"c\nd\",\"multi\r\nline\nnote\"\n"
                + "e,x\n");

        assertThat(rows(file)).containsExactly(
                new RequestRow(1, 2, "a,1"),
                new RequestRow(2, 3, "b \"q\""),
                new RequestRow(3, 4, "c\nd", "c\nd", "external_id contains control or invisible character U+000A at position 2"),
                new RequestRow(4, 8, "e"));
    }

    @Test
    void spaces_around_a_quoted_field_are_ignored() {
        Path file = write(dir, "name, external_id\nAnn,  \"a,1\"  \n");

        assertThat(rows(file)).containsExactly(new RequestRow(1, 2, "a,1"));
    }

    @Test
    void detects_semicolon_delimiter() {
        Path file = write(dir, "name;external_id\nAnn;a,1\n\"Bob;Jr\";\"b;2\"\n");

        assertThat(RequestFile.open(file, "external_id").delimiter()).isEqualTo(';');
        assertThat(rows(file)).containsExactly(new RequestRow(1, 2, "a,1"), new RequestRow(2, 3, "b;2"));
    }

    @Test
    void detects_comma_delimiter() {
        Path file = write(dir, "name,external_id\nAnn;Lee,a;1\n");

        assertThat(RequestFile.open(file, "external_id").delimiter()).isEqualTo(',');
        assertThat(rows(file)).containsExactly(new RequestRow(1, 2, "a;1"));
    }

    @Test
    void trims_ids_including_non_breaking_spaces() {
        Path file = write(dir, "external_id,n\n  a  ,x\n\"\tb \",x\n\u00A0c\u3000,x\n\" d e \",x\n");

        assertThat(rows(file)).extracting(RequestRow::externalId).containsExactly("a", "b", "c", "d e");
    }

    @Test
    void ignores_other_columns_and_allows_any_position() {
        Path file = write(dir, "email,name,external_id,requested_at\nann@example.com,Ann,a,2026-01-01\n");

        assertThat(rows(file)).containsExactly(new RequestRow(1, 2, "a"));
    }

    @Test
    void reads_the_column_given_by_name() {
        Path file = write(dir, "external_id,customer_ref\nwrong,right\n");

        assertThat(rows(file, "customer_ref")).containsExactly(new RequestRow(1, 2, "right"));
    }

    @Test
    void matches_header_names_after_trimming() {
        Path file = write(dir, " name , external_id \nAnn,a\n");

        assertThat(rows(file)).containsExactly(new RequestRow(1, 2, "a"));
    }

    @Test
    void missing_column_lists_the_headers_found() {
        Path file = write(dir, "External_ID,email\nA,a@example.com\n");

        assertThatThrownBy(() -> RequestFile.open(file, "external_id"))
                .isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 1: the header has no column named external_id")
                .hasMessageContaining("headers found: \"External_ID\", \"email\"")
                .hasMessageContaining("--id-column");
    }

    @Test
    void missing_column_in_a_semicolon_file_lists_its_columns() {
        Path file = write(dir, "customer;email\nA;a@example.com\n");

        assertThatThrownBy(() -> RequestFile.open(file, "external_id"))
                .hasMessageContaining("headers found: \"customer\", \"email\"");
    }

    @Test
    void duplicate_id_column_stops() {
        Path file = write(dir, "external_id,name,external_id\na,Ann,b\n");

        assertThatThrownBy(() -> RequestFile.open(file, "external_id"))
                .isInstanceOf(InputFileException.class)
                .hasMessageContaining("line 1: the header has more than one column named external_id")
                .hasMessageContaining("(columns 1 and 3)");
    }

    @Test
    void an_id_column_and_one_named_alike_but_for_case_and_separators_stop() {
        for (String other : new String[] {"External_ID", "External ID", "external-id", "ExternalId", "External\u00A0ID"}) {
            Path file = write(dir, other + ",name,external_id\na,Ann,b\n");

            assertThatThrownBy(() -> RequestFile.open(file, "external_id")).as(other)
                    .isInstanceOf(InputFileException.class)
                    .hasMessageContaining("line 1: the header has a column named external_id (column 3) and one named "
                            + Visible.escape(other) + " (column 1), the same name written another way, so it is unclear which holds"
                            + " the IDs");
        }
        Path others = write(dir, "customer_id,external_id,external_id_2\na,b,c\n");
        assertThat(RequestFile.open(others, "external_id").delimiter()).isEqualTo(',');
    }

    @Test
    void header_fitting_both_delimiters_differently_stops() {
        Path file = write(dir, "external_id,x;external_id\na\n");

        assertThatThrownBy(() -> RequestFile.open(file, "external_id"))
                .isInstanceOf(InputFileException.class)
                .hasMessageContaining("the delimiter is ambiguous");
    }

    @Test
    void a_quote_that_opens_a_field_only_under_the_other_delimiter_does_not_matter() {
        // Split at ';' the header's second field starts with a quote that never closes, so that parse runs into the
        // record size limit; split at ',' the quote is plain text.
        Path file = write(dir, "external_id,note;\"x\n" + "a,b\n".repeat(30_000));

        assertThat(RequestFile.open(file, "external_id").delimiter()).isEqualTo(',');
        assertThat(rows(file)).hasSize(30_000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\uFEFF", "\n\n", "\r\n"})
    void empty_file_stops(String content) {
        Path file = write(dir, content);

        assertThatThrownBy(() -> RequestFile.open(file, "external_id"))
                .isInstanceOf(InputFileException.class)
                .hasMessage(file + " line 1: the file is empty, not even a header line. Export the requests with a"
                        + " header line naming the ID column (or use --no-header for a plain list of IDs) and run"
                        + " again.");
    }

    @Test
    void header_without_rows_is_an_empty_request_file() {
        assertThat(rows(write(dir, "external_id,name\n"))).isEmpty();
        assertThat(rows(write(dir, "external_id"))).isEmpty();
    }

    @Test
    void blank_lines_are_not_rows() {
        Path file = write(dir, "\nexternal_id\n\na\n\n\nb\n\n");

        assertThat(rows(file)).containsExactly(new RequestRow(1, 4, "a"), new RequestRow(2, 7, "b"));
    }

    @Test
    void whitespace_only_line_is_skipped_like_a_blank_line() {
        assertThat(rows(write(dir, "external_id\n   \n"))).isEmpty();
    }

    @Test
    void short_record_has_no_id_and_a_long_one_is_not_trusted() {
        Path file = write(dir, "name,external_id\nAnn\nBob,b,extra\n");

        java.util.List<RequestRow> rows = rows(file);

        assertThat(rows.get(0)).isEqualTo(new RequestRow(1, 2, null, null, "row has no external_id field"));
        assertThat(rows.get(1).externalId()).isEqualTo("b");
        assertThat(rows.get(1).invalid()).startsWith("has 3 fields but the header has 2");
    }

    @Test
    void single_column_file_refuses_a_record_that_splits() {
        Path file = write(dir, "external_id\na\nb,c\n");

        assertThatThrownBy(() -> rows(file))
                .isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 3: this record has 2 fields but the header has a single column");
    }

    @Test
    void single_column_file_reads_quoted_and_semicolon_values_whole() {
        Path file = write(dir, "external_id\n\"a,b\"\nc;d\n");

        assertThat(RequestFile.open(file, "external_id").delimiter()).isEqualTo(',');
        assertThat(rows(file)).extracting(RequestRow::externalId).containsExactly("a,b", "c;d");
    }

    @Test
    void a_nul_byte_in_a_field_makes_only_its_row_invalid() {
        Path file = write(dir, "external_id,note\na,x\nb\u0000c,x\nd,note\u0000\n");

        assertThat(rows(file)).containsExactly(new RequestRow(1, 2, "a"),
                new RequestRow(2, 3, "b\u0000c", "b\u0000c", "external_id contains control or invisible character U+0000 at"
                        + " position 2"),
                new RequestRow(3, 4, "d"));
    }

    @Test
    void utf16_without_a_byte_order_mark_is_refused_as_such() {
        Path file = write(dir, "external_id\r\na\r\n".getBytes(StandardCharsets.UTF_16LE));

        assertThatThrownBy(() -> RequestFile.open(file, "external_id"))
                .isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 1: the file looks like UTF-16LE text without a byte order mark")
                .hasMessageContaining("CSV UTF-8");
    }

    @Test
    void invalid_utf8_stops_with_its_line_and_bytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("external_id\r\nzoë\r\nJos".getBytes(StandardCharsets.UTF_8));
        bytes.write(0xE9); // "é" in Windows-1252
        bytes.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        Path file = write(dir, bytes.toByteArray());

        assertThatThrownBy(() -> rows(file))
                .isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 3: byte 0xE9 is not valid UTF-8")
                .hasMessageContaining("Save it as UTF-8");
    }

    @Test
    void invalid_utf8_far_into_the_file_has_the_right_line() {
        StringBuilder text = new StringBuilder("external_id\n");
        for (int i = 1; i <= 5_000; i++) {
            text.append("id-").append(i).append('\n');
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(text.toString().getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {'x', (byte) 0xC3, '(', '\n'});
        Path file = write(dir, bytes.toByteArray());

        assertThatThrownBy(() -> rows(file)).hasMessageStartingWith(file + " line 5002: byte 0xC3 is not valid UTF-8");
    }

    @Test
    void truncated_utf8_at_the_end_stops() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("external_id\na\n".getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {(byte) 0xE2, (byte) 0x82});
        Path file = write(dir, bytes.toByteArray());

        assertThatThrownBy(() -> rows(file))
                .hasMessageStartingWith(file + " line 3: bytes 0xE2 0x82 are not valid UTF-8");
    }

    @Test
    void unterminated_quote_stops_with_the_line_it_opens_on() {
        Path file = write(dir, "external_id,name\na,Ann\nb,Bob\n\"c,Cid\nd,Dan\ne,Eve\n");

        assertThatThrownBy(() -> rows(file))
                .isInstanceOf(InputFileException.class)
                .hasMessage(file + " line 4: a quoted field starts on this line and is never closed (the file ends"
                        + " inside it). Fix the quoting (a quote inside a quoted field is written as two quotes) and"
                        + " run again.");
    }

    @Test
    void text_after_a_closing_quote_stops_with_its_line() {
        Path file = write(dir, "external_id,name\na,Ann\n\"b\"x,Bob\n");

        assertThatThrownBy(() -> rows(file))
                .isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 3: text follows the closing quote of a field");
    }

    @Test
    void syntax_error_in_the_header_stops() {
        Path file = write(dir, "\"external_id,name\na,Ann\n");

        assertThatThrownBy(() -> RequestFile.open(file, "external_id"))
                .isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 1: a quoted field starts on this line and is never closed");
    }

    @Test
    void accepts_a_record_at_the_size_limit() {
        String note = "n".repeat(StrictTextReader.MAX_RECORD_CHARS - 3);
        Path file = write(dir, "external_id,note\na," + note + "\nb,x\n");

        assertThat(rows(file)).extracting(RequestRow::externalId).containsExactly("a", "b");
    }

    @Test
    void accepts_a_record_at_the_size_limit_whatever_the_parser_read_ahead() {
        // Bytes are decoded in 8 KiB chunks. The record starts one character before the first chunk ends, and its
        // 4,097 three-byte characters put its line end at the start of the eleventh chunk, so nearly a whole chunk
        // past the record has been read when the record is complete.
        String before = "external_id,note\nz," + "x".repeat(8_191 - 20) + "\n";
        String euros = "\u20AC".repeat(4_097);
        String record = "a," + euros + "n".repeat(StrictTextReader.MAX_RECORD_CHARS - 3 - euros.length()) + "\n";
        Path file = write(dir, before + record + "b,x\n".repeat(4_000));

        assertThat(before).hasSize(8_191);
        assertThat(record).hasSize(StrictTextReader.MAX_RECORD_CHARS);
        assertThat(rows(file)).hasSize(4_002);
    }

    @Test
    void unclosed_quote_in_a_large_file_stops_without_reading_it_all() {
        StringBuilder text = new StringBuilder("external_id\na\n\"b\n");
        while (text.length() < 4 * StrictTextReader.MAX_RECORD_CHARS) {
            text.append("c\n");
        }
        Path file = write(dir, text.toString());

        assertThatThrownBy(() -> rows(file))
                .isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + " line 3: the record starting here is longer than 65,536 characters");
    }

    @Test
    void missing_file_stops() {
        Path file = dir.resolve("nope.csv");

        assertThatThrownBy(() -> RequestFile.open(file, "external_id"))
                .isInstanceOf(InputFileException.class)
                .hasMessageStartingWith(file + ": cannot be read (java.nio.file.NoSuchFileException");
    }

    @Test
    void rows_recheck_the_header() {
        Path file = write(dir, "external_id\na\n");
        RequestFile requests = RequestFile.open(file, "external_id");
        write(dir, "customer\na\n");

        assertThatThrownBy(requests::rows)
                .isInstanceOf(InputFileException.class)
                .hasMessageContaining("the header has no column named external_id");
    }
}
