package io.polarerasure.polar;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import io.polarerasure.secrets.Redaction;

import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polar's customer-erasure endpoint: one {@link #delete} sends exactly one request. Retrying,
 * pacing and deciding what an answer means for a row belong to {@link Eraser}. Thread-safe.
 */
public final class PolarClient {

    /** Enough of an error body to classify it; Polar's are tiny, an edge's HTML page is cut. */
    static final int MAX_BODY_CHARS = 16 * 1024;
    /**
     * Read beyond what is kept, so that a token echoed across the cut is seen whole and masked whole
     * ({@link Redaction#redactHead}); at least {@link Redaction#margin()} for Polar's tokens.
     */
    private static final long READ_BYTES = MAX_BODY_CHARS + 8 * 1024;
    private static final Logger log = LoggerFactory.getLogger(PolarClient.class);
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final OkHttpClient http;
    private final HttpUrl baseUrl;
    /** {@code v1/customers/external} under the base URL, resolved once rather than per request. */
    private final HttpUrl externalCustomers;
    private final String authorization;
    private final String userAgent;
    private final PolarEnvironment environment;
    private volatile String polarVersion = PolarSettings.DEFAULT_POLAR_VERSION;
    private volatile String tokenSource = "POLAR_ACCESS_TOKEN";

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
        this.authorization = "Bearer " + token;
        this.externalCustomers = baseUrl.newBuilder().addPathSegments("v1/customers/external").build();
        Redaction.protect(token);
    }

    /**
     * Pins the {@code Polar-Version} header sent with every request (default {@link
     * PolarSettings#DEFAULT_POLAR_VERSION}) and names where the token came from in refusal messages, such as
     * {@code "--token-file /etc/polar-token"}; returns this client.
     */
    public PolarClient configure(String version, String source) {
        this.polarVersion = Objects.requireNonNull(version, "version");
        this.tokenSource = Objects.requireNonNull(source, "source");
        return this;
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
                // The moment a request leaves, for the rate limit's send log (Throttle.requestLeft): called on the
                // sending thread, as calls here are synchronous.
                .eventListener(new EventListener() {
                    @Override
                    public void requestHeadersEnd(Call call, Request request) {
                        Throttle.requestLeft();
                    }
                })
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
        return send(new Request.Builder().url(urlFor(externalId)).delete());
    }

    /**
     * Sends one {@code DELETE /v1/customers/{id}?anonymize=true}: erases that exact customer, found by
     * {@link #lookUp}, and no other; 404 ResourceNotFound when it is already gone (polar-api.md, "The look-up").
     *
     * @throws IOException if the exchange failed; the request may or may not have landed
     */
    public Answer deleteCustomer(UUID customerId) throws IOException {
        HttpUrl url = baseUrl.newBuilder()
                .addPathSegments("v1/customers")
                .addPathSegment(customerId.toString())
                .addQueryParameter("anonymize", "true")
                .build();
        return send(new Request.Builder().url(url).delete());
    }

    /**
     * Sends one {@code GET /v1/customers/external/{id}}: who holds the external ID now. Polar answers it from
     * a read replica, which may lag behind a DELETE just committed. Changes nothing at Polar.
     *
     * @return the answer, and the customer when it is a 200 whose body is Polar's customer object; a 200
     *         whose body cannot be read is returned as an UNEXPECTED answer
     * @throws IllegalArgumentException if the ID is {@link #unsendable}; nothing is sent
     * @throws IOException              if the exchange failed
     */
    public LookUp lookUp(String externalId) throws IOException {
        HttpUrl url = externalCustomers.newBuilder()
                .addPathSegment(checked(externalId))
                .build();
        String[] body = new String[1];
        Answer answer = send(new Request.Builder().url(url).get(), body);
        if (answer.kind() != Answer.Kind.FOUND) {
            return new LookUp(answer, Optional.empty());
        }
        try {
            Customer customer = JSON.readValue(body[0], Customer.class);
            if (customer.id() == null || customer.createdAt() == null) {
                throw new IllegalArgumentException("no id or created_at");
            }
            return new LookUp(answer, Optional.of(customer));
        } catch (JacksonException | IllegalArgumentException e) {
            return new LookUp(new Answer(200, Answer.Kind.UNEXPECTED, "HTTP 200 without a readable customer"
                    + " object (" + Answer.snippet(String.valueOf(e.getMessage())) + ")", Optional.empty(),
                    answer.sandbox()), Optional.empty());
        }
    }

    /**
     * The answer to a look-up.
     *
     * @param answer   the HTTP answer, classified (FOUND for a 200 with a customer)
     * @param customer the live customer holding the external ID, present only with FOUND
     */
    public record LookUp(Answer answer, Optional<Customer> customer) {
    }

    private Answer send(Request.Builder request) throws IOException {
        return send(request, new String[1]);
    }

    private Answer send(Request.Builder builder, String[] bodyOut) throws IOException {
        Request request = builder
                .header("Authorization", authorization)
                .header("User-Agent", userAgent)
                .header("Accept", "application/json")
                .header("Polar-Version", polarVersion)
                .build();
        long started = System.nanoTime();
        try (Response response = http.newCall(request).execute()) {
            // Polar does not echo tokens, but an answer body ends up in the report and the logs. Masked before it is
            // cut, so that a cut through a token leaves no fragment of it.
            ResponseBody read = response.peekBody(READ_BYTES);
            boolean cut = read.contentLength() >= READ_BYTES;
            String body = Redaction.redactHead(read.string(), MAX_BODY_CHARS, cut);
            if (log.isDebugEnabled()) {
                log.debug("{} {} -> {} in {} ms: {}", request.method(), request.url(), response.code(),
                        (System.nanoTime() - started) / 1_000_000, Answer.snippet(body));
            }
            bodyOut[0] = body;
            Answer answer = Answer.of(response.code(), body, response.header("Retry-After"),
                    "1".equals(response.header(PolarEnvironment.SANDBOX_HEADER)));
            String type = response.header("Content-Type");
            return type == null ? answer : answer.withContentType(type);
        }
    }

    /** The URL the erase request goes to: the ID percent-encoded as exactly one path segment. */
    HttpUrl urlFor(String externalId) {
        return externalCustomers.newBuilder()
                .addPathSegment(checked(externalId))
                .addQueryParameter("anonymize", "true")
                .build();
    }

    private static String checked(String externalId) {
        Optional<String> problem = unsendable(externalId);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        return externalId;
    }

    HttpUrl baseUrl() {
        return baseUrl;
    }

    String polarVersion() {
        return polarVersion;
    }

    String tokenSource() {
        return tokenSource;
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
