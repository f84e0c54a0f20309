package io.polarerasure.polar;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

class AnswerTest {

    private final Clock clock = Clock.fixed(FakeTime.START, ZoneOffset.UTC); // 2026-06-01T02:00:00Z, a Monday

    @Test
    void reads_retry_after_in_seconds() {
        assertThat(Answer.of(429, "", "60").retryDelay(clock)).contains(Duration.ofSeconds(60));
        assertThat(Answer.of(429, "", " 0 ").retryDelay(clock)).contains(Duration.ZERO);
    }

    @Test
    void reads_retry_after_as_an_http_date_relative_to_the_clock() {
        assertThat(Answer.of(429, "", "Mon, 01 Jun 2026 02:01:30 GMT").retryDelay(clock))
                .contains(Duration.ofSeconds(90));
        assertThat(Answer.of(429, "", "Mon, 01 Jun 2026 01:59:00 GMT").retryDelay(clock)).contains(Duration.ZERO);
    }

    @Test
    void ignores_a_missing_or_unreadable_retry_after() {
        assertThat(Answer.of(429, "", null).retryDelay(clock)).isEmpty();
        assertThat(Answer.of(429, "", "soon").retryDelay(clock)).isEmpty();
        assertThat(Answer.of(429, "", "-5").retryDelay(clock)).isEmpty();
        assertThat(Answer.of(429, "", "99999999999999999999").retryDelay(clock)).isEmpty();
    }

    @Test
    void describes_an_answer_in_one_line_without_control_characters() {
        assertThat(Answer.of(500, "Internal\r\n\tServer \u0000 Error\n", null).detail())
                .isEqualTo("HTTP 500: Internal Server Error");
        assertThat(Answer.of(204, "", null).detail()).isEmpty();
        assertThat(Answer.of(502, "  ", null).detail()).isEqualTo("HTTP 502");
    }

    @Test
    void cuts_a_long_body_without_splitting_a_character() {
        String body = "a".repeat(Answer.SNIPPET_LENGTH - 1) + "😀" + "tail";

        assertThat(Answer.snippet(body)).isEqualTo("a".repeat(Answer.SNIPPET_LENGTH - 1) + "…");
    }

    @Test
    void falls_back_to_the_body_when_a_422_has_no_messages() {
        Answer answer = Answer.of(422, "{\"error\":\"RequestValidationError\"}", null);

        assertThat(answer.kind()).isEqualTo(Answer.Kind.REJECTED);
        assertThat(answer.detail()).isEqualTo("HTTP 422: {\"error\":\"RequestValidationError\"}");
    }

    @Test
    void tells_polars_not_found_from_a_route_miss_by_the_error_field() {
        assertThat(Answer.of(404, "{\"error\":\"ResourceNotFound\",\"detail\":\"Not found\"}", null).kind())
                .isEqualTo(Answer.Kind.NOT_FOUND);
        assertThat(Answer.of(404, "{\"detail\":\"Not Found\"}", null).kind()).isEqualTo(Answer.Kind.NO_ROUTE);
        assertThat(Answer.of(404, "<html>Not Found</html>", null).kind()).isEqualTo(Answer.Kind.NO_ROUTE);
        assertThat(Answer.of(404, "{\"error\":\"ResourceNotFound\",\"detail\":\"Not", null).kind())
                .as("a body cut short is not Polar's answer").isEqualTo(Answer.Kind.NO_ROUTE);
        assertThat(Answer.of(404, "{\"error\":\"Gone\"}", null).kind()).isEqualTo(Answer.Kind.UNEXPECTED);
    }

    @Test
    void describes_a_422_by_its_validation_messages() {
        Answer answer = Answer.of(422, "{\"error\":\"RequestValidationError\",\"detail\":[{\"type\":\"bool_parsing\","
                + "\"loc\":[\"query\",\"anonymize\"],\"msg\":\"Input should be\\na valid boolean\",\"input\":\"x\"},"
                + "{\"msg\":\"second\"}]}", null);

        assertThat(answer.detail()).isEqualTo("HTTP 422: Input should be a valid boolean; second");
    }
}
