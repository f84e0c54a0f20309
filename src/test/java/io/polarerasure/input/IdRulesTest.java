package io.polarerasure.input;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdRulesTest {

    @ParameterizedTest
    @ValueSource(strings = {"usr_1337", "a", "...", ".a", "a.", "a b", "Ünïcödé-ID", "user@example.com", "%2F", "\\",
            "a?b#c", "😀"})
    void accepts_ids_polar_can_address(String id) {
        assertThat(IdRules.violation(id)).isEmpty();
    }

    @Test
    void missing_field_is_invalid() {
        assertThat(IdRules.violation(null)).contains("row has no external_id field");
    }

    @Test
    void empty_id_is_invalid() {
        assertThat(IdRules.violation("")).contains("external_id is empty");
    }

    @Test
    void allows_1024_characters_but_not_1025() {
        assertThat(IdRules.violation("x".repeat(1_024))).isEmpty();
        assertThat(IdRules.violation("x".repeat(1_025))).contains("external_id is 1025 characters long (limit 1,024)");
        assertThat(IdRules.violation("x".repeat(2_000))).contains("external_id is 2000 characters long (limit 1,024)");
    }

    @Test
    void counts_length_in_code_points_not_utf16_units() {
        assertThat(IdRules.violation("😀".repeat(1_024))).isEmpty();
        assertThat(IdRules.violation("😀".repeat(1_025))).contains("external_id is 1025 characters long (limit 1,024)");
    }

    @ParameterizedTest
    @ValueSource(strings = {".", ".."})
    void dot_segments_are_invalid(String id) {
        assertThat(IdRules.violation(id)).contains("external_id is '.' or '..', which HTTP clients rewrite");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "a/b", "/a", "a/", "./a", "../.."})
    void slash_is_invalid(String id) {
        assertThat(IdRules.violation(id)).contains("external_id contains '/', which Polar's endpoint cannot address");
    }

    @Test
    void names_the_control_character_and_its_position() {
        assertThat(IdRules.violation("ab\tc")).contains("external_id contains control or invisible character U+0009 at position 3");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x01, 0x0A, 0x0D, 0x1F, 0x7F, 0x80, 0x85, 0x9F, 0x00AD, 0x200B, 0x200E, 0x202E, 0x2066,
            0xFEFF, 0xE0001})
    void control_and_format_characters_are_invalid(int codePoint) {
        String id = "a" + Character.toString(codePoint) + "b";
        assertThat(IdRules.violation(id))
                .contains(String.format("external_id contains control or invisible character U+%04X at position 2", codePoint));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x2028, 0x2029, 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x17B4, 0xFFF0})
    void line_breaks_and_letters_shown_as_nothing_are_invalid(int codePoint) {
        String id = "a" + Character.toString(codePoint) + "b";
        assertThat(IdRules.violation(id))
                .contains(String.format("external_id contains control or invisible character U+%04X at position 2", codePoint));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00A0, 0x1680, 0x2007, 0x200A, 0x202F})
    void a_space_other_than_the_plain_one_inside_an_id_is_invalid(int codePoint) {
        assertThat(IdRules.violation("a" + Character.toString(codePoint) + "b")).contains(String.format(
                "external_id contains U+%04X at position 2, a space that looks like a plain one but is not (a"
                + " spreadsheet's thousands separator, or pasted from a web page or document)", codePoint));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "山田\u3000太郎", "fan_\u2764\uFE0F", "id_1\uFE0F\u20E3", "葛\uDB40\uDD00飾",
        "\u182E\u1823\u1829\u182D\u1823\u182F\u180Bx", "Kundennummer_é_ü_中文_😀", "고객_김민수",
        "grp_👨\u200D👩\u200D👧", "مشتری\u200Cیک", "👁\uFE0F\u200D🗨\uFE0F", "क्\u200Dष"})
    void real_ids_with_an_ideographic_space_or_variation_selectors_are_sent(String id) {
        assertThat(IdRules.violation(id)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"us\u200Der", "usr\u200C", "\u200D👩", "a\u200Cی", "👩\u200D\u200D👧", "👩\u200D 👧"})
    void a_joiner_beside_ascii_an_end_or_another_invisible_character_is_invalid(String id) {
        assertThat(IdRules.violation(id)).hasValueSatisfying(violation -> assertThat(violation)
                .startsWith("external_id contains control or invisible character U+200"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uFE0F", "\uFE0F\uFE0F", "\uDB40\uDD00", "\u2800", "\u2800\u200C\u2800", "\u2800\u3000\u2800"})
    void an_id_that_shows_nothing_is_invalid(String id) {
        assertThat(IdRules.violation(id))
                .contains("external_id shows nothing: each of its characters is a variation selector, a joiner or a blank");
    }

    @Test
    void position_counts_code_points() {
        assertThat(IdRules.violation("😀😀\u0000"))
                .contains("external_id contains control or invisible character U+0000 at position 3");
    }

    @Test
    void reports_the_first_rule_that_applies() {
        assertThat(IdRules.violation("/".repeat(1_025)))
                .contains("external_id is 1025 characters long (limit 1,024)");
        assertThat(IdRules.violation("a/\tb"))
                .contains("external_id contains '/', which Polar's endpoint cannot address");
        assertThat(IdRules.violation(".")).contains("external_id is '.' or '..', which HTTP clients rewrite");
    }

    @Test
    void strip_removes_what_pythons_str_strip_removes() {
        // Python: str.isspace() is true for exactly these BMP characters.
        List<Integer> python = new ArrayList<>(List.of(0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20,
                0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000));
        for (int c = 0x2000; c <= 0x200A; c++) {
            python.add(c);
        }
        List<Integer> stripped = new ArrayList<>();
        for (int c = 0; c <= 0xFFFF; c++) {
            if (IdRules.strip((char) c + "x" + (char) c).equals("x")) {
                stripped.add(c);
            }
        }
        assertThat(stripped).containsExactlyInAnyOrderElementsOf(python);
    }

    @Test
    void strip_keeps_inner_whitespace() {
        assertThat(IdRules.strip(" \t\u00A0a b\u3000 ")).isEqualTo("a b");
        assertThat(IdRules.strip(" \u2007 ")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"4.711E+15", "1.23457e+11", "1E+10", "-1.5E-07", "4,711E+15"})
    void scientific_notation_is_spreadsheet_damage(String id) {
        assertThat(IdRules.violation(id)).hasValueSatisfying(v -> assertThat(v)
                .startsWith(IdRules.DAMAGED + id + " is a number in scientific notation"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"4.711e15", "1.0E10", "4.711234567890120E15", "4.711e+15", "1.5e-7", "+1.5E+07",
            "4,711e15"})
    void scientific_notation_from_other_tools_is_damage_whatever_the_case_and_sign(String id) {
        // Java's Double.toString (1.0E10), Python (4.711e+15) and other tools: no sign, lowercase e.
        assertThat(IdRules.violation(id)).hasValueSatisfying(v -> assertThat(v)
                .startsWith(IdRules.DAMAGED + id + " is a number in scientific notation"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"12345.0", "4711234567890120.0", "42.00", "0.0"})
    void a_whole_number_with_a_fractional_zero_part_is_damage_telling_to_export_the_column_as_text(String id) {
        assertThat(IdRules.violation(id)).contains(IdRules.DAMAGED + id + " is a whole number written with a"
                + " fractional zero part: a tool read the ID column as numbers (pandas does so for a numeric column"
                + " with blank cells) and wrote it back as decimals, dropping leading zeros and, past 15 digits,"
                + " changing the last ones. Export the ID column as text (in pandas: dtype=str), then check this ID");
    }

    @ParameterizedTest
    @ValueSource(strings = {"usr_123", "00042731", "12345", "12345.5", "1.05", "v1.0", "1.0.0", "12345.0a", ".0",
            "usr_1e15", "1.0E", "E10"})
    void ids_that_are_no_damaged_number_are_sent(String id) {
        assertThat(IdRules.violation(id)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"external_id", "External ID", "uid", "UID", "Kunden-ID", "user id", "CustomerId",
            "KundenID", "Kunden_Nr.ID", "customer.id", "\uFEFFKunden-ID", " user_uid "})
    void id_column_names_in_any_spelling_look_like_a_header(String name) {
        assertThat(IdRules.looksLikeHeader(name)).isTrue();
        assertThat(IdRules.namesIdColumn(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"squid", "Squid", "android", "usr_1id", "usr-1-ID", "A1ID", "id1", "usr_123", "ID-",
            "Bob Smith", "name", "idea"})
    void words_ending_in_id_without_a_boundary_and_ids_with_digits_are_no_header(String value) {
        assertThat(IdRules.looksLikeHeader(value)).isFalse();
        assertThat(IdRules.namesIdColumn(value)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ID", "customer", "Email", "e-mail"})
    void plain_words_a_data_column_may_hold_head_a_list_but_do_not_make_a_data_record_a_header(String value) {
        assertThat(IdRules.looksLikeHeader(value)).isTrue();
        assertThat(IdRules.namesIdColumn(value)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e5", "12E+10", "usr_1E+10", "E+10", "1.5E", "2E10"})
    void ids_that_only_resemble_scientific_notation_are_sent(String id) {
        assertThat(IdRules.violation(id)).isEmpty();
    }

    @Test
    void an_excel_text_formula_wrapper_is_damage_naming_the_probable_id() {
        assertThat(IdRules.violation("=\"00042731\"")).contains(IdRules.DAMAGED + "the value is wrapped as =\"...\" (a"
                + " formula that keeps a spreadsheet from dropping leading zeros). Export the values themselves (in"
                + " Excel: copy, Paste Special > Values) or remove the wrapper; the ID is probably 00042731");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u201Cusr_q1\u201D", "\u2018usr_q1\u2019", "\u00ABusr_q1\u00BB", "\u201Eusr_q1\u201C",
            "\u201Cusr_q1\u201C"})
    void surrounding_typographic_quotes_are_damage(String id) {
        assertThat(IdRules.violation(id)).hasValueSatisfying(v -> assertThat(v)
                .startsWith(IdRules.DAMAGED + "the value is surrounded by typographic quotes")
                .endsWith("the ID is probably usr_q1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u201Cusr_q1", "usr\u2019s_id", "\"usr\"", "\u201C"})
    void a_quote_on_one_side_or_inside_is_not_damage(String id) {
        assertThat(IdRules.violation(id)).isEmpty();
    }

    @Test
    void a_leading_apostrophe_is_damage_but_one_inside_is_not() {
        assertThat(IdRules.violation("'00042731")).hasValueSatisfying(v -> assertThat(v)
                .startsWith(IdRules.DAMAGED + "the value starts with '").endsWith("the ID is probably 00042731"));
        assertThat(IdRules.violation("o'brien")).isEmpty();
        assertThat(IdRules.violation("'")).isEmpty();
    }

    @Test
    void an_unpaired_surrogate_is_invalid() {
        assertThat(IdRules.violation("ab\uD83D")).contains("external_id is not valid Unicode (unpaired surrogate at"
                + " position 3)");
    }

    @Test
    void the_verdict_adds_the_header_repeat_and_the_id_pattern_to_the_rules() {
        RequestOptions options = new RequestOptions("customer_ref", true, null, java.util.regex.Pattern.compile(
                "usr_[a-z0-9]{6,}"));

        assertThat(IdRules.verdict(null, options)).isEqualTo("row has no customer_ref field");
        assertThat(IdRules.verdict("customer_ref", options)).startsWith("repeats the header row (customer_ref)");
        assertThat(IdRules.verdict("Customer_REF", options)).startsWith("repeats the header row (customer_ref)");
        assertThat(IdRules.verdict("sep=;", options)).startsWith("is Excel's sep=; line, which starts an export");
        assertThat(IdRules.verdict("sep=", options)).startsWith("is Excel's sep= line");
        assertThat(IdRules.verdict("SEP=;", options)).startsWith("is Excel's SEP=; line");
        assertThat(IdRules.verdict("\uFEFFSep=,", options)).startsWith("is Excel's Sep=, line");
        assertThat(IdRules.verdict("usr_abc", options)).startsWith("does not match --id-pattern usr_[a-z0-9]{6,}");
        assertThat(IdRules.verdict("usr_abc123", options)).isNull();
        assertThat(IdRules.verdict("team/usr_abc123", options)).contains("contains '/'");
        // Without a header there is no header row to repeat.
        assertThat(IdRules.verdict("external_id", new RequestOptions("external_id", false, null, null))).isNull();
    }

    @Test
    void invisible_characters_are_shown_escaped() {
        assertThat(Visible.escape("\uFEFFexternal_id\u00A0a\tb\u200Bc d")).isEqualTo(
                "<U+FEFF>external_id<U+00A0>a<U+0009>b<U+200B>c d");
        assertThat(Visible.escape("Zoë 😀")).isEqualTo("Zoë 😀");
        assertThat(Visible.escape("a\u3164b\u034Fc\u2764\uFE0F")).as("letters shown as nothing; a selector is seen")
                .isEqualTo("a<U+3164>b<U+034F>c\u2764\uFE0F");
    }
}
