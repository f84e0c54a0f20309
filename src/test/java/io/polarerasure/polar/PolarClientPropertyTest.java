package io.polarerasure.polar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/**
 * Path safety over arbitrary Unicode IDs. A seeded generator stands in for a property-testing library
 * (jqwik asks AI agents not to use it): the same cases every run, the failing seed in the message.
 */
class PolarClientPropertyTest {

    private static final String[] SPECIAL = {".", "..", "%", "%2E", "%2e", "%2F", "%25", "?", "#", " ", "+",
        "\\", ";", "&", "=", "[", "]", "@", ":", "\t", "\n", "\u00a0", "\u202e", "😀", "ü"};

    private final PolarClient client = new PolarClient(new OkHttpClient(), HttpUrl.get("https://api.polar.sh"),
            PolarClientTest.TOKEN, "polar-erasure/test");

    @Test
    void every_sendable_id_becomes_exactly_the_fourth_path_segment() {
        for (long seed = 1; seed <= 1000; seed++) {
            String id = sendableId(new Random(seed));

            HttpUrl url = client.urlFor(id);

            String raw = url.encodedPath();
            assertThat(raw).as("seed %d", seed).doesNotContain("?", "#");
            List<String> segments = Arrays.asList(raw.split("/", -1));
            assertThat(segments).as("seed %d", seed).hasSize(5);
            assertThat(segments.subList(1, 4)).containsExactly("v1", "customers", "external");
            assertThat(PolarClientTest.percentDecode(segments.get(4))).as("seed %d", seed).isEqualTo(id);
            assertThat(url.pathSegments()).hasSize(4);
            assertThat(url.encodedQuery()).isEqualTo("anonymize=true");
        }
    }

    @Test
    void every_id_with_a_slash_is_refused() {
        for (long seed = 1; seed <= 500; seed++) {
            Random random = new Random(seed);
            String id = sendableId(random) + "/" + sendableId(random);

            assertThatThrownBy(() -> client.urlFor(id)).as("seed %d", seed)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    /**
     * Any Unicode text without the refused cases ("", ".", "..", '/', NUL, lone surrogates), built
     * from code points so supplementary characters occur, with the characters URLs treat specially
     * mixed in often.
     */
    private static String sendableId(Random random) {
        while (true) {
            StringBuilder id = new StringBuilder();
            for (int parts = 1 + random.nextInt(12); parts > 0; parts--) {
                if (random.nextBoolean()) {
                    id.append(SPECIAL[random.nextInt(SPECIAL.length)]);
                } else {
                    int codePoint = 1 + random.nextInt(Character.MAX_CODE_POINT);
                    if (codePoint != '/' && (codePoint < Character.MIN_SURROGATE || codePoint > Character.MAX_SURROGATE)) {
                        id.appendCodePoint(codePoint);
                    }
                }
            }
            String candidate = id.toString();
            if (!candidate.isEmpty() && !candidate.equals(".") && !candidate.equals("..")) {
                return candidate;
            }
        }
    }
}
