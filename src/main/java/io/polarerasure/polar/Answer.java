package io.polarerasure.polar;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private static final Pattern ERROR_FIELD = jsonString("error");
    private static final Pattern MSG_FIELD = jsonString("msg");
    private static final Pattern ESCAPE = Pattern.compile("\\\\(u[0-9a-fA-F]{4}|.)");
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
        List<String> messages = kind == Kind.REJECTED ? strings(MSG_FIELD, body) : List.of();
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
        List<String> errors = strings(ERROR_FIELD, body);
        if (errors.isEmpty()) {
            return Kind.NO_ROUTE;
        }
        return errors.get(0).equals("ResourceNotFound") ? Kind.NOT_FOUND : Kind.UNEXPECTED;
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

    // Only two string fields are needed, from bodies that may be cut short or be an edge's HTML page: a
    // tolerant match finds them in Polar's small error bodies and nothing in a page. (The customer object of
    // a look-up, which must be read whole, is parsed with Jackson in PolarClient.)
    private static Pattern jsonString(String field) {
        return Pattern.compile("\"" + field + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    }

    private static List<String> strings(Pattern field, String body) {
        List<String> values = new ArrayList<>();
        Matcher m = field.matcher(body);
        while (m.find()) {
            values.add(unescape(m.group(1)));
        }
        return values;
    }

    private static String unescape(String json) {
        return ESCAPE.matcher(json).replaceAll(m -> Matcher.quoteReplacement(unescaped(m.group(1))));
    }

    private static String unescaped(String escape) {
        return switch (escape.charAt(0)) {
            case 'u' -> String.valueOf((char) Integer.parseInt(escape.substring(1), 16));
            case 'n', 'r', 't', 'b', 'f' -> " ";
            default -> escape;
        };
    }
}
