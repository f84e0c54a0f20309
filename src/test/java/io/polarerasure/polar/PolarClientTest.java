package io.polarerasure.polar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.BeforeEach;
import java.util.UUID;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PolarClientTest {

    // Fake, and built at run time so that secret scanners do not flag it.
    static final String TOKEN = "polar_oat_" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
    static final String NOT_FOUND = "{\"error\":\"ResourceNotFound\",\"detail\":\"Not found\"}";
    static final String NO_ROUTE = "{\"detail\":\"Not Found\"}";

    @StartStop
    private final MockWebServer server = new MockWebServer();

    private PolarClient client;

    @BeforeEach
    void setUp() {
        client = new PolarClient(PolarClient.httpClient(TestSettings.of(server.url("/"))), server.url("/"), TOKEN,
                "polar-erasure/1.2.3");
    }

    @Test
    void sends_one_anonymizing_delete_with_bearer_token_user_agent_and_accept() throws Exception {
        server.enqueue(new MockResponse.Builder().code(204).build());

        Answer answer = client.delete("cus_42");

        assertThat(answer.kind()).isEqualTo(Answer.Kind.ERASED);
        RecordedRequest request = server.takeRequest();
        assertThat(request.getMethod()).isEqualTo("DELETE");
        assertThat(request.getTarget()).isEqualTo("/v1/customers/external/cus_42?anonymize=true");
        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(request.getHeaders().get("User-Agent")).isEqualTo("polar-erasure/1.2.3");
        assertThat(request.getHeaders().get("Accept")).isEqualTo("application/json");
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "ü", "Ünïcødé-客户", "😀", "%2F", "a%2Fb", "%2E", "%2e%2E", "?#", "a?b=c#d", "%",
            "100%", "\\", "..a", "...", ".hidden", "a+b", "a;b", "[x]", "tab\there", "line\nbreak", "\"quoted\"",
            "<tag>", "~user", " leading"})
    void sends_a_tricky_id_as_exactly_one_path_segment_that_decodes_back(String id) throws Exception {
        server.enqueue(new MockResponse.Builder().code(204).build());

        client.delete(id);

        String target = server.takeRequest().getTarget();
        String rawPath = target.substring(0, target.indexOf('?'));
        assertThat(target.substring(target.indexOf('?'))).isEqualTo("?anonymize=true");
        List<String> segments = Arrays.asList(rawPath.split("/", -1));
        assertThat(segments).hasSize(5);
        assertThat(segments.subList(0, 4)).containsExactly("", "v1", "customers", "external");
        assertThat(percentDecode(segments.get(4))).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "/", "a/b", "../admin", "nul\0byte", "\uD800", "a\uDC00b"})
    void refuses_ids_it_cannot_address_without_sending_anything(String id) {
        assertThatThrownBy(() -> client.delete(id)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("external ID");
        assertThat(server.getRequestCount()).isZero();
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "204 | ``                                                     | ERASED",
            "404 | `{\"error\":\"ResourceNotFound\",\"detail\":\"Not found\"}` | NOT_FOUND",
            "404 | `{\"detail\":\"Not Found\"}`                              | NO_ROUTE",
            "404 | `<html><body>404 page</body></html>`                      | NO_ROUTE",
            "404 | `{\"error\":\"Something\",\"detail\":\"x\"}`              | UNEXPECTED",
            "401 | `{\"error\":\"Unauthorized\",\"detail\":\"Unauthorized\"}` | UNAUTHORIZED",
            "401 | `{\"error\":\"invalid_token\",\"error_description\":\"revoked\"}` | UNAUTHORIZED",
            "403 | `{\"error\":\"insufficient_scope\",\"error_description\":\"x\"}` | FORBIDDEN",
            "422 | `{\"error\":\"RequestValidationError\",\"detail\":[]}`     | REJECTED",
            "429 | ``                                                     | TRANSIENT",
            "500 | `Internal Server Error`                                  | TRANSIENT",
            "502 | `<html>Bad gateway</html>`                               | TRANSIENT",
            "503 | `Service Unavailable`                                    | TRANSIENT",
            "504 | `Gateway Timeout`                                        | TRANSIENT",
            "400 | `{\"detail\":\"bad\"}`                                   | UNEXPECTED",
            "405 | `{\"detail\":\"Method Not Allowed\"}`                    | NO_ROUTE",
            "409 | `{\"detail\":\"conflict\"}`                              | UNEXPECTED",
            "501 | `Not Implemented`                                        | TRANSIENT",
            "520 | `Web server is returning an unknown error`               | TRANSIENT",
            "524 | `A timeout occurred`                                     | TRANSIENT",
            "200 | `{}`                                                     | FOUND",
    })
    void maps_each_status_to_what_it_means(int status, String body, Answer.Kind kind) throws Exception {
        server.enqueue(new MockResponse.Builder().code(status).body(body).build());

        Answer answer = client.delete("cus_1");

        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.kind()).isEqualTo(kind);
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void any_5xx_leaves_the_row_in_doubt_and_a_429_does_not() {
        assertThat(Answer.of(524, "", null).inDoubt()).isTrue();
        assertThat(Answer.of(500, "", null).inDoubt()).isTrue();
        assertThat(Answer.of(429, "", null).inDoubt()).isFalse();
        assertThat(Answer.of(404, NOT_FOUND, null).inDoubt()).isFalse();
    }

    @Test
    void looks_up_a_customer_by_external_id_reading_only_its_id_and_creation_time() throws Exception {
        server.enqueue(new MockResponse.Builder().code(200).body("{\"id\":\"992fae2a-2a17-4b7f-9a8a-3b1c0c6c2f0e\","
                + "\"external_id\":\"a b\",\"created_at\":\"2025-03-04T05:06:07.123456Z\",\"type\":\"team\","
                + "\"email\":null,\"metadata\":{\"__anonymized_at\":\"x\"}}").build());

        PolarClient.LookUp lookUp = client.lookUp("a b");

        assertThat(lookUp.answer().kind()).isEqualTo(Answer.Kind.FOUND);
        assertThat(lookUp.customer()).contains(new Customer(UUID.fromString("992fae2a-2a17-4b7f-9a8a-3b1c0c6c2f0e"),
                "a b", Instant.parse("2025-03-04T05:06:07.123456Z")));
        RecordedRequest request = server.takeRequest();
        assertThat(request.getMethod()).isEqualTo("GET");
        assertThat(request.getTarget()).isEqualTo("/v1/customers/external/a%20b");
        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
    }

    @Test
    void a_200_look_up_without_a_customer_object_is_unexpected() throws Exception {
        server.enqueue(new MockResponse.Builder().code(200).body("<html>hello</html>").build());

        PolarClient.LookUp lookUp = client.lookUp("cus_1");

        assertThat(lookUp.answer().kind()).isEqualTo(Answer.Kind.UNEXPECTED);
        assertThat(lookUp.customer()).isEmpty();
    }

    @Test
    void erases_one_exact_customer_by_its_polar_id_with_anonymize() throws Exception {
        server.enqueue(new MockResponse.Builder().code(204).build());
        UUID id = UUID.fromString("992fae2a-2a17-4b7f-9a8a-3b1c0c6c2f0e");

        assertThat(client.deleteCustomer(id).kind()).isEqualTo(Answer.Kind.ERASED);
        RecordedRequest request = server.takeRequest();
        assertThat(request.getMethod()).isEqualTo("DELETE");
        assertThat(request.getTarget()).isEqualTo("/v1/customers/" + id + "?anonymize=true");
    }

    @Test
    void a_422_carries_polars_messages_joined() throws Exception {
        server.enqueue(new MockResponse.Builder().code(422).body("{\"error\":\"RequestValidationError\",\"detail\":["
                + "{\"type\":\"string_too_long\",\"loc\":[\"path\",\"external_id\"],"
                + "\"msg\":\"String should have at most 10 characters\",\"input\":\"x\"},"
                + "{\"type\":\"x\",\"loc\":[],\"msg\":\"Second \\\"quoted\\\" problem \\u00fc\",\"input\":null}]}")
                .build());

        Answer answer = client.delete("cus_1");

        assertThat(answer.kind()).isEqualTo(Answer.Kind.REJECTED);
        assertThat(answer.detail())
                .isEqualTo("HTTP 422: String should have at most 10 characters; Second \"quoted\" problem ü");
    }

    @Test
    void an_edge_error_page_becomes_one_short_line() throws Exception {
        String page = "<html>\n<head><title>503</title></head>\n<body>\n" + "x".repeat(500) + "\n</body></html>";
        server.enqueue(new MockResponse.Builder().code(503).body(page).build());

        Answer answer = client.delete("cus_1");

        assertThat(answer.detail()).startsWith("HTTP 503: <html> <head><title>503</title></head> <body> xxx")
                .doesNotContain("\n").hasSize("HTTP 503: ".length() + Answer.SNIPPET_LENGTH + 1);
    }

    @Test
    void keeps_the_retry_after_of_a_429() throws Exception {
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "60").build());

        Answer answer = client.delete("cus_1");

        assertThat(answer.rateLimited()).isTrue();
        assertThat(answer.retryAfter()).contains("60");
        assertThat(answer.retryDelay(Clock.fixed(FakeTime.START, ZoneOffset.UTC))).contains(Duration.ofSeconds(60));
        assertThat(answer.detail()).isEqualTo("HTTP 429");
    }

    @Test
    void okhttp_does_not_resend_a_503_that_says_retry_after_zero() throws Exception {
        server.enqueue(new MockResponse.Builder().code(503).addHeader("Retry-After", "0").build());
        server.enqueue(new MockResponse.Builder().code(204).build());

        Answer answer = client.delete("cus_1");

        assertThat(answer.kind()).isEqualTo(Answer.Kind.TRANSIENT);
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void does_not_follow_redirects() throws Exception {
        server.enqueue(new MockResponse.Builder().code(307).addHeader("Location", server.url("/elsewhere")).build());
        server.enqueue(new MockResponse.Builder().code(204).build());

        Answer answer = client.delete("cus_1");

        assertThat(answer.status()).isEqualTo(307);
        assertThat(answer.kind()).isEqualTo(Answer.Kind.UNEXPECTED);
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void a_dropped_connection_is_an_exception_and_is_not_resent() {
        server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build());
        server.enqueue(new MockResponse.Builder().code(204).build());

        assertThatThrownBy(() -> client.delete("cus_1")).isInstanceOf(IOException.class);
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void never_lets_the_token_out_in_an_answer() throws Exception {
        String other = "polar_pat_" + "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210";
        server.enqueue(new MockResponse.Builder().code(401)
                .body("{\"error\":\"invalid_token\",\"error_description\":\"token " + TOKEN + " or " + other
                        + " revoked\"}").build());

        Answer answer = client.delete("cus_1");

        assertThat(answer.detail()).doesNotContain(TOKEN).doesNotContain(other).contains("[redacted]");
        assertThat(client.toString()).doesNotContain(TOKEN);
    }

    @Test
    void masks_a_token_that_straddles_the_cut_of_a_long_answer_body() throws Exception {
        // Blanks collapse in the detail, so what is left at the cut is what the report would show.
        int fragment = 25; // "polar_oat_" and 15 more: neither the whole token nor Polar's token shape
        server.enqueue(new MockResponse.Builder().code(401)
                .body(" ".repeat(PolarClient.MAX_BODY_CHARS - fragment) + TOKEN + " revoked").build());

        Answer answer = client.delete("cus_1");

        assertThat(answer.detail()).doesNotContain(TOKEN.substring(0, fragment)).doesNotContain(TOKEN.substring(10))
                .isEqualTo("HTTP 401: [redacted]");
    }

    @Test
    void masks_a_token_echoed_in_a_body_longer_than_what_is_read() throws Exception {
        // Echoed JSON-escaped, right across the cut, in a body far longer than what the client reads.
        String escaped = TOKEN.replace("_", "\\u005f");
        int fragment = 30;
        server.enqueue(new MockResponse.Builder().code(502)
                .body(" ".repeat(PolarClient.MAX_BODY_CHARS - fragment) + escaped + " " + "x".repeat(100_000)
                        + " " + TOKEN).build());

        Answer answer = client.delete("cus_1");

        assertThat(answer.detail()).doesNotContain(escaped.substring(0, fragment)).doesNotContain("oat")
                .isEqualTo("HTTP 502: [redacted]");
    }

    @Test
    void refuses_a_token_that_cannot_be_a_header_without_quoting_it() {
        OkHttpClient http = new OkHttpClient();
        HttpUrl base = server.url("/");

        assertThatThrownBy(() -> new PolarClient(http, base, "polar_oat_abc\ndef", "ua"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("POLAR_ACCESS_TOKEN")
                .hasMessageNotContaining("polar_oat_abc");
        assertThatThrownBy(() -> new PolarClient(http, base, "", "ua")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void explains_why_an_id_is_unsendable() {
        assertThat(PolarClient.unsendable("cus_1")).isEmpty();
        assertThat(PolarClient.unsendable("😀")).isEmpty();
        assertThat(PolarClient.unsendable("a/b")).get().asString().contains("'/'");
        assertThat(PolarClient.unsendable("..")).get().asString().contains("another URL");
        assertThat(PolarClient.unsendable("x\uD83D")).get().asString().contains("unpaired surrogate");
        assertThat(PolarClient.unsendable(null)).isEqualTo(Optional.of("external ID is empty"));
    }

    /** Decodes %XX escapes as UTF-8, independently of OkHttp. */
    static String percentDecode(String encoded) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%') {
                bytes.write(Integer.parseInt(encoded.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] raw = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(raw, 0, raw.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
