package io.polarerasure.polar;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * One HTTP answer from Polar's erase endpoint, classified by what it means for the row.
 *
 * @param status     the HTTP status code
 * @param kind       what the answer means
 * @param detail     a short, single-line description (empty for 204), never the access token
 * @param retryAfter the raw {@code Retry-After} header, if any
 * @param sandbox    whether the answer carried {@code X-Polar-Sandbox: 1}, Polar's sandbox's mark
 * @param contentType the media type of the body without parameters ({@code text/html}), or empty
 */
public record Answer(int status, Kind kind, String detail, Optional<String> retryAfter, boolean sandbox,
                     String contentType) {

    /** What an answer means, following how Polar's server really answers (its source, mid-2026). */
    public enum Kind {
        /** 204: the customer was soft-deleted and anonymized, committed before the answer went out. */
        ERASED,
        /** 404 ResourceNotFound: no live customer has this external ID (never existed or already erased). */
        NOT_FOUND,
        /** 404 without Polar's error field, or 405: no route matched, the job is misconfigured. */
        NO_ROUTE,
        /** 401: the token is missing, invalid, expired or revoked. */
        UNAUTHORIZED,
        /** 403: the token lacks the customers:write scope. */
        FORBIDDEN,
        /** 422: Polar rejected the request as malformed. */
        REJECTED,
        /** 200 to a look-up: a live customer holds this external ID (never an answer to a DELETE). */
        FOUND,
        /**
         * 429 or any 5xx (the app's 500, an edge's 502/503/504/52x): worth trying again later. A 5xx may come
         * after Polar committed the erasure, so it leaves the row in doubt ({@link #inDoubt()}).
         */
        TRANSIENT,
        /**
         * Anything else (a 2xx other than 204 to a DELETE, 3xx, 400, 409, 410, a 404 with another error): an
         * answer Polar never gives on these routes, so most likely not Polar's; reported as it is.
         */
        UNEXPECTED
    }

    static final int SNIPPET_LENGTH = 200;
    // Polar's error bodies carry more fields than these records name; the others are ignored.
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static final Pattern BLANKS = Pattern.compile("[\\s\\p{Cntrl}]+");

    public Answer {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(retryAfter, "retryAfter");
        Objects.requireNonNull(contentType, "contentType");
    }

    /** An answer without a known content type. */
    public Answer(int status, Kind kind, String detail, Optional<String> retryAfter, boolean sandbox) {
        this(status, kind, detail, retryAfter, sandbox, "");
    }

    /** This answer with the media type of its Content-Type header (parameters such as charset dropped). */
    Answer withContentType(String header) {
        String type = header.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        return new Answer(status, kind, detail, retryAfter, sandbox, type);
    }

    /** e.g. {@code "HTTP 200 text/html"}: what an answer was, for a message that must not quote its body. */
    String shape() {
        return "HTTP " + status + (contentType.isEmpty() ? "" : " " + contentType);
    }

    /** Classifies a response from its status, body (possibly cut short) and Retry-After header. */
    static Answer of(int status, String body, String retryAfter) {
        return of(status, body, retryAfter, false);
    }

    /** As {@link #of(int, String, String)}, for an answer with or without Polar's sandbox mark. */
    static Answer of(int status, String body, String retryAfter, boolean sandbox) {
        Kind kind = kindOf(status, body);
        List<String> messages = kind == Kind.REJECTED ? parse(body, ValidationError.class)
                .map(ValidationError::messages).orElse(List.of()) : List.of();
        // A 204 (most answers of a run) has no detail: nothing to clean up.
        String text = kind == Kind.ERASED ? "" : snippet(messages.isEmpty() ? body : String.join("; ", messages));
        String detail = kind == Kind.ERASED ? "" : text.isEmpty() ? "HTTP " + status : "HTTP " + status + ": " + text;
        return new Answer(status, kind, detail, Optional.ofNullable(retryAfter).map(String::trim), sandbox);
    }

    /**
     * Whether the answer comes from Polar's application and decides a row, so that it carries the sandbox mark
     * when the sandbox sent it (429s and route 404s do not, per Polar's source).
     */
    boolean decidesRow() {
        return kind == Kind.ERASED || kind == Kind.NOT_FOUND || kind == Kind.REJECTED;
    }

    /**
     * True for any 5xx: the request reached something (Polar or its edge) that gave no definitive answer, and
     * Polar may have committed the erasure before the error was sent.
     */
    public boolean inDoubt() {
        return status >= 500 && status <= 599;
    }

    /** True for 429, whose pause applies to every worker, not only to the request that got it. */
    public boolean rateLimited() {
        return status == 429;
    }

    /**
     * How long the {@code Retry-After} header asks to wait from now: seconds or an HTTP date.
     * Empty when absent or unreadable; a date in the past means no wait.
     */
    public Optional<Duration> retryDelay(Clock clock) {
        return retryAfter.flatMap(value -> {
            if (value.matches("\\d{1,9}")) {
                return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
            }
            try {
                Duration until = Duration.between(clock.instant(),
                        ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return Optional.of(until.isNegative() ? Duration.ZERO : until);
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        });
    }

    private static Kind kindOf(int status, String body) {
        return switch (status) {
            case 204 -> Kind.ERASED;
            case 404 -> notFoundKind(body);
            // 405 comes from routing (an ID that split the path into a GET-only sub-route), like a route 404.
            case 405 -> Kind.NO_ROUTE;
            case 401 -> Kind.UNAUTHORIZED;
            case 403 -> Kind.FORBIDDEN;
            case 422 -> Kind.REJECTED;
            case 200 -> Kind.FOUND;
            case 429 -> Kind.TRANSIENT;
            default -> status >= 500 && status <= 599 ? Kind.TRANSIENT : Kind.UNEXPECTED;
        };
    }

    // Polar's own "not found" carries error=ResourceNotFound; the framework's route miss has only a
    // detail. A 404 with some other error is neither, so it is not taken as a per-row answer.
    private static Kind notFoundKind(String body) {
        Optional<String> error = parse(body, ErrorBody.class).map(ErrorBody::error);
        if (error.isEmpty()) {
            return Kind.NO_ROUTE;
        }
        return error.get().equals("ResourceNotFound") ? Kind.NOT_FOUND : Kind.UNEXPECTED;
    }

    /** The body as one line of at most {@link #SNIPPET_LENGTH} characters. */
    static String snippet(String text) {
        String line = BLANKS.matcher(text).replaceAll(" ").trim();
        if (line.length() <= SNIPPET_LENGTH) {
            return line;
        }
        int end = Character.isHighSurrogate(line.charAt(SNIPPET_LENGTH - 1)) ? SNIPPET_LENGTH - 1 : SNIPPET_LENGTH;
        return line.substring(0, end) + "…";
    }

    /**
     * The body read as one of Polar's JSON error bodies; empty for anything else (an edge's HTML page, plain
     * text, a body cut short at the client's read limit), which then counts as carrying no Polar error.
     */
    private static <T> Optional<T> parse(String body, Class<T> type) {
        if (body.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(JSON.readValue(body, type));
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    /**
     * Polar's error body: {@code {"error":"ResourceNotFound","detail":"Not found"}} for a 404 that decides a row
     * (polar-api.md, "Answers"); a route miss ({@code {"detail":"Not Found"}}) has no {@code error}.
     */
    record ErrorBody(String error) {
    }

    /**
     * Polar's 422 body (HTTPValidationError): {@code {"error":"RequestValidationError","detail":[{"type","loc",
     * "msg","input"}…]}}; only the messages are kept (the input may echo what was sent).
     */
    record ValidationError(List<Issue> detail) {
        List<String> messages() {
            return detail == null ? List.of() : detail.stream().map(Issue::msg).filter(Objects::nonNull).toList();
        }
    }

    /** One entry of a 422's {@code detail}. */
    record Issue(String msg) {
    }
}
