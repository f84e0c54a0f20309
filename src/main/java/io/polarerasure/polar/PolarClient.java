package io.polarerasure.polar;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

import io.polarerasure.secrets.Redaction;

import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polar's customer-erasure endpoint: one {@link #delete} sends exactly one request. Retrying,
 * pacing and deciding what an answer means for a row belong to {@link Eraser}. Thread-safe.
 */
public final class PolarClient {

    /** Enough of an error body to classify it; Polar's are tiny, an edge's HTML page is cut. */
    private static final long MAX_BODY_BYTES = 16 * 1024;
    private static final Logger log = LoggerFactory.getLogger(PolarClient.class);

    private final OkHttpClient http;
    private final HttpUrl baseUrl;
    private final String token;
    private final String userAgent;
    private final PolarEnvironment environment;

    /**
     * @param http      the shared client, normally from {@link #httpClient(PolarSettings)}
     * @param baseUrl   Polar's API root, such as {@code https://api.polar.sh}
     * @param token     an organization access token with the customers:write scope
     * @param userAgent such as {@code polar-erasure/1.0.0}
     */
    public PolarClient(OkHttpClient http, HttpUrl baseUrl, String token, String userAgent) {
        this(http, baseUrl, token, userAgent, PolarEnvironment.of(baseUrl));
    }

    /**
     * As {@link #PolarClient(OkHttpClient, HttpUrl, String, String)}, expecting answers of this environment
     * whatever the host (tests use it with a server on loopback).
     */
    public PolarClient(OkHttpClient http, HttpUrl baseUrl, String token, String userAgent,
                       PolarEnvironment environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.http = Objects.requireNonNull(http, "http");
        this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
        // Checked here, not left to OkHttp's header validation, so no message can ever quote it.
        if (token == null || token.isEmpty() || !token.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
            throw new IllegalArgumentException("the access token is empty or contains characters that cannot be"
                    + " sent in an HTTP header (spaces, line breaks, non-ASCII); check POLAR_ACCESS_TOKEN");
        }
        this.token = token;
        Redaction.protect(token);
    }

    /**
     * The client every PolarClient of a run shares (one connection pool). OkHttp must not re-send
     * on its own: a DELETE whose answer was lost may have landed, and every request has to take a
     * rate-limit permit, so the Eraser alone decides about retries.
     */
    public static OkHttpClient httpClient(PolarSettings settings) {
        return new OkHttpClient.Builder()
                .connectTimeout(settings.connectTimeout())
                .readTimeout(settings.readTimeout())
                .writeTimeout(settings.writeTimeout())
                .callTimeout(settings.callTimeout())
                .retryOnConnectionFailure(false)
                // A redirect would be a second request, and might carry the token elsewhere.
                .followRedirects(false)
                .followSslRedirects(false)
                // OkHttp re-sends by itself after a 503 carrying "Retry-After: 0", whatever
                // retryOnConnectionFailure says; without that header the 503 comes back to us.
                .addNetworkInterceptor(chain -> {
                    Response response = chain.proceed(chain.request());
                    if (response.code() == 503 && "0".equals(response.header("Retry-After"))) {
                        return response.newBuilder().removeHeader("Retry-After").build();
                    }
                    return response;
                })
                .build();
    }

    /**
     * Why an external ID cannot be sent, or empty if it can. Such IDs must be reported, not sent:
     * OkHttp normalises {@code .} and {@code ..} away (another URL would be hit), Polar decodes
     * {@code %2F} before routing (the path splits), an unpaired surrogate would be sent as {@code ?}
     * (another customer's ID), and no stored external ID can contain NUL.
     */
    public static Optional<String> unsendable(String externalId) {
        if (externalId == null || externalId.isEmpty()) {
            return Optional.of("external ID is empty");
        }
        if (externalId.equals(".") || externalId.equals("..")) {
            return Optional.of("external ID '" + externalId + "' cannot be sent: HTTP clients treat it as a relative"
                    + " path step and would call another URL");
        }
        if (externalId.indexOf('/') >= 0) {
            return Optional.of("external ID contains '/', which Polar's API cannot address (it splits the path)");
        }
        if (externalId.indexOf('\0') >= 0) {
            return Optional.of("external ID contains a NUL character, which no Polar external ID can contain");
        }
        for (int i = 0; i < externalId.length(); i++) {
            char c = externalId.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < externalId.length()
                    && Character.isLowSurrogate(externalId.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return Optional.of("external ID is not valid Unicode (unpaired surrogate at index " + i + ")");
            }
        }
        return Optional.empty();
    }

    /**
     * Sends one {@code DELETE /v1/customers/external/{id}?anonymize=true}. An HTTP error is an
     * answer, not an exception.
     *
     * @throws IllegalArgumentException if the ID is {@link #unsendable}; nothing is sent
     * @throws IOException              if the exchange failed; the request may or may not have landed
     */
    public Answer delete(String externalId) throws IOException {
        Request request = new Request.Builder()
                .url(urlFor(externalId))
                .delete()
                .header("Authorization", "Bearer " + token)
                .header("User-Agent", userAgent)
                .header("Accept", "application/json")
                .build();
        long started = System.nanoTime();
        try (Response response = http.newCall(request).execute()) {
            // Polar does not echo tokens, but an answer body ends up in the report and the logs.
            String body = Redaction.redact(response.peekBody(MAX_BODY_BYTES).string());
            if (log.isDebugEnabled()) {
                log.debug("DELETE {} -> {} in {} ms: {}", request.url(), response.code(),
                        (System.nanoTime() - started) / 1_000_000, Answer.snippet(body));
            }
            return Answer.of(response.code(), body, response.header("Retry-After"),
                    "1".equals(response.header(PolarEnvironment.SANDBOX_HEADER)));
        }
    }

    /** The URL the erase request goes to: the ID percent-encoded as exactly one path segment. */
    HttpUrl urlFor(String externalId) {
        Optional<String> problem = unsendable(externalId);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        return baseUrl.newBuilder()
                .addPathSegments("v1/customers/external")
                .addPathSegment(externalId)
                .addQueryParameter("anonymize", "true")
                .build();
    }

    HttpUrl baseUrl() {
        return baseUrl;
    }

    /** The environment this client's answers must come from. */
    PolarEnvironment environment() {
        return environment;
    }

    @Override
    public String toString() {
        return "PolarClient{" + baseUrl + ", " + userAgent + "}";
    }
}
