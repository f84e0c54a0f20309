package io.polarerasure.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class JsonTest {

    private static final String AWKWARD = "\"\\/\n\r\t\b\f\u0000\u001f\u2028é€x";

    @Test
    void any_string_survives_quoting_and_parsing() {
        Random random = new Random(20261128);
        for (int i = 0; i < 2_000; i++) {
            StringBuilder value = new StringBuilder();
            int length = random.nextInt(20);
            for (int j = 0; j < length; j++) {
                // Mostly the awkward part of the range: controls, quotes, backslashes, line separators.
                value.append(random.nextInt(4) == 0 ? (char) random.nextInt(0x10000)
                        : AWKWARD.charAt(random.nextInt(AWKWARD.length())));
            }
            String json = "{" + Json.quote("k") + ": " + Json.quote(value.toString()) + "}";

            assertThat(Json.parseObject(json)).containsExactly(Map.entry("k", value.toString()));
            assertThat(json).doesNotContain("\n", "\r", "\u2028");
        }
    }

    @Test
    void parses_numbers_booleans_null_and_nested_objects() {
        assertThat(Json.parseObject("{\"a\": -12, \"b\": true, \"c\": null, \"d\": {\"e\": 0}}"))
                .containsEntry("a", -12L).containsEntry("b", true).containsEntry("c", null)
                .containsEntry("d", Map.of("e", 0L));
    }

    @Test
    void rejects_what_a_summary_never_contains() {
        for (String bad : new String[] {"", "{", "{\"a\": 1,}", "{\"a\": 1} x", "{\"a\": 1.5}", "{\"a\": [1]}",
                "{\"a\": 1, \"a\": 2}", "{\"a\": \"\\q\"}", "{\"a\": \"open}"}) {
            assertThatThrownBy(() -> Json.parseObject(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("not valid JSON at character");
        }
    }
}
