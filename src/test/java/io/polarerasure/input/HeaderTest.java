package io.polarerasure.input;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HeaderTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "external_id|external_id",
            "'\u00A0 external_id\u2007'|external_id",
            "\uFEFFexternal_id|external_id",
            "'\uFEFF\uFEFF external_id '|external_id",
            "' \u00A0\uFEFFexternal_id'|external_id",
            "ex\uFEFFternal_id|ex\uFEFFternal_id",
            "\uFEFF|''",
            "'\uFEFF \uFEFFid'|\uFEFFid"})
    void a_name_is_trimmed_like_an_id_and_loses_the_byte_order_marks_in_front(String field, String name) {
        assertThat(Header.name(field)).isEqualTo(name);
    }
}
