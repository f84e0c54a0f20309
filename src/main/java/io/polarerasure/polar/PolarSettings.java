package io.polarerasure.polar;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import okhttp3.HttpUrl;

/**
 * How to reach Polar and how hard to try: validated once, so a bad value stops the run before
 * any request is sent. The access token is deliberately not part of it (records print every field).
 *
 * @param baseUrl        Polar's API root without a path, such as {@code https://api.polar.sh}
 * @param rate           requests per time unit, retries included; Polar's budget is shared with the
 *                       merchant's live traffic, so leave headroom
 * @param maxAttempts    requests per row at most, the first one included
 * @param initialBackoff wait before the first retry; each further wait doubles, with jitter
 * @param maxBackoff     cap on a single backoff wait
 * @param breakerWindow  row results looked at to decide that Polar is down: more than half of them
 *                       failed even after retries
 * @param maxPause       the longest a row waits across its 429 pauses, and the longest single Retry-After the run
 *                       sleeps through; beyond it the run stops, resumable
 * @param polarVersion   the {@code Polar-Version} header sent with every request: one of {@link #POLAR_VERSIONS}
 */
public record PolarSettings(String baseUrl, Rate rate, int maxAttempts, Duration initialBackoff,
                            Duration maxBackoff, Duration connectTimeout, Duration readTimeout,
                            Duration writeTimeout, Duration callTimeout, int breakerWindow, Duration maxPause,
                            String polarVersion) {

    /**
     * The API versions Polar accepts (polar-api.md: any other value makes every route answer 404); the first is
     * the one this job was built against and pins by default, so a change of Polar's default cannot change the
     * answers under a running job.
     */
    public static final List<String> POLAR_VERSIONS = List.of("2026-04", "2026-10");
    public static final String DEFAULT_POLAR_VERSION = POLAR_VERSIONS.get(0);
    public static final Duration DEFAULT_MAX_PAUSE = Duration.ofMinutes(15);

    public static final int DEFAULT_MAX_ATTEMPTS = 6;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(500);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_BREAKER_WINDOW = 20;

    public PolarSettings {
        HttpUrl url = baseUrl == null ? null : HttpUrl.parse(baseUrl);
        if (url == null) {
            throw new IllegalArgumentException("baseUrl must be an http(s) URL such as https://api.polar.sh, was "
                    + baseUrl);
        }
        if (!url.pathSegments().equals(List.of("")) || url.query() != null || url.fragment() != null
                || !url.username().isEmpty() || !url.password().isEmpty()) {
            throw new IllegalArgumentException("baseUrl must be only scheme, host and port, such as"
                    + " https://api.polar.sh (the /v1/... path is added per request), was " + baseUrl);
        }
        Objects.requireNonNull(rate, "rate");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be 1 or more, was " + maxAttempts);
        }
        positive("initialBackoff", initialBackoff);
        if (initialBackoff.toMillis() < 1) {
            throw new IllegalArgumentException("initialBackoff must be at least 1 ms, was " + initialBackoff);
        }
        positive("maxBackoff", maxBackoff);
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff (" + maxBackoff + ") must not be shorter than"
                    + " initialBackoff (" + initialBackoff + ")");
        }
        positive("connectTimeout", connectTimeout);
        positive("readTimeout", readTimeout);
        positive("writeTimeout", writeTimeout);
        positive("callTimeout", callTimeout);
        if (breakerWindow < 1) {
            throw new IllegalArgumentException("breakerWindow must be 1 or more, was " + breakerWindow);
        }
        positive("maxPause", maxPause);
        if (!POLAR_VERSIONS.contains(polarVersion)) {
            throw new IllegalArgumentException("polarVersion must be one of " + POLAR_VERSIONS + ", was "
                    + polarVersion);
        }
    }

    /** The same settings with another pause cap and API version. */
    public PolarSettings with(Duration newMaxPause, String newPolarVersion) {
        return new PolarSettings(baseUrl, rate, maxAttempts, initialBackoff, maxBackoff, connectTimeout, readTimeout,
                writeTimeout, callTimeout, breakerWindow, newMaxPause, newPolarVersion);
    }

    /**
     * The one spelling of an API base URL, so that one destination is one run: scheme and host in lower case,
     * the scheme's default port left out, no trailing slash ({@code HTTPS://API.Polar.sh:443/} becomes
     * {@code https://api.polar.sh}). A string that is not an http(s) URL is returned as it is, for the
     * constructor to refuse.
     */
    public static String normalise(String baseUrl) {
        HttpUrl url = baseUrl == null ? null : HttpUrl.parse(baseUrl.strip());
        if (url == null) {
            return baseUrl;
        }
        String text = url.toString();
        return text.endsWith("/") && url.pathSegments().equals(List.of("")) ? text.substring(0, text.length() - 1)
                : text;
    }

    /** The given endpoint, rate and attempts, with every other setting at its default. */
    public static PolarSettings defaults(String baseUrl, Rate rate, int maxAttempts) {
        return new PolarSettings(baseUrl, rate, maxAttempts, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF,
                DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_WRITE_TIMEOUT, DEFAULT_CALL_TIMEOUT,
                DEFAULT_BREAKER_WINDOW, DEFAULT_MAX_PAUSE, DEFAULT_POLAR_VERSION);
    }

    private static void positive(String field, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + " must be a positive duration, was " + value);
        }
    }
}
