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
        assertThat(IdRules.violation("ab\tc")).contains("external_id contains control character U+0009 at position 3");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x01, 0x0A, 0x0D, 0x1F, 0x7F, 0x80, 0x85, 0x9F, 0x00AD, 0x200B, 0x200E, 0x202E, 0x2066,
            0xFEFF, 0xE0001})
    void control_and_format_characters_are_invalid(int codePoint) {
        String id = "a" + Character.toString(codePoint) + "b";
        assertThat(IdRules.violation(id))
                .contains(String.format("external_id contains control character U+%04X at position 2", codePoint));
    }

    @Test
    void position_counts_code_points() {
        assertThat(IdRules.violation("😀😀\u0000"))
                .contains("external_id contains control character U+0000 at position 3");
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
}
