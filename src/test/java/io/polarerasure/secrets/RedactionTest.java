package io.polarerasure.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Tokens are masked also where a server or a log line carries them JSON- or URL-escaped. */
class RedactionTest {

    @AfterEach
    void forgetTokens() {
        Redaction.forgetProtected();
    }

    // Built at run time: a literal shaped like a Polar token would trip secret scanning.
    private static final String SECRET = "Zq7" + "w4R".repeat(14);
    private static final String SHAPED = "polar_oat_" + SECRET;
    private static final String CONFIGURED = "plain-token-" + "y2".repeat(8);

    @Test
    void masks_a_token_whose_underscores_a_server_escaped_in_json() {
        String echoed = "{\"detail\":\"bad token polar\\u005foat\\u005f" + SECRET + " given\"}";

        assertThat(Redaction.redact(echoed)).isEqualTo("{\"detail\":\"bad token [redacted] given\"}");
    }

    @Test
    void masks_a_token_escaped_character_by_character_or_percent_encoded() {
        StringBuilder everyCharEscaped = new StringBuilder();
        SHAPED.chars().forEach(c -> everyCharEscaped.append(String.format("\\u%04X", c)));

        assertThat(Redaction.redact("a " + everyCharEscaped + " b")).isEqualTo("a [redacted] b");
        assertThat(Redaction.redact("url?t=polar%5Foat%5f" + SECRET + "&x=1")).isEqualTo("url?t=[redacted]&x=1");
    }

    @Test
    void masks_an_escaped_configured_token_of_any_shape() {
        Redaction.protect(CONFIGURED);
        String escaped = CONFIGURED.replace("-", "\\u002d");

        assertThat(Redaction.redact("echo: " + escaped + ".")).isEqualTo("echo: [redacted].");
        assertThat(Redaction.redact("echo: " + CONFIGURED.replace("-", "%2D"))).isEqualTo("echo: [redacted]");
    }

    @Test
    void leaves_escapes_without_a_token_as_they_are() {
        String text = "100% done, path a\\/b, \\u00e9t\\u00e9, 50%zz, trailing \\u12 and %4";

        assertThat(Redaction.redact(text)).isEqualTo(text);
    }

    @Test
    void masks_a_token_the_cut_goes_through_whole_and_keeps_no_fragment_of_one_split_by_an_earlier_cut() {
        Redaction.protect(CONFIGURED);
        String text = "a".repeat(10) + CONFIGURED + "b".repeat(10);

        assertThat(Redaction.redactHead(text, 15, false)).isEqualTo("a".repeat(10) + Redaction.MASK);
        assertThat(Redaction.redactHead(text, 100, false)).isEqualTo(Redaction.redact(text));
        String split = "c".repeat(Redaction.margin()) + "d".repeat(5) + CONFIGURED.substring(0, 12);
        assertThat(Redaction.redactHead(split, split.length(), true)).isEqualTo("c".repeat(17));
    }
}
