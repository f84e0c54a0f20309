package io.polarerasure.polar;

import java.util.Locale;

import okhttp3.HttpUrl;

/**
 * Which of Polar's environments an API base URL names. Polar's sandbox marks its answers with
 * {@code X-Polar-Sandbox: 1} (not its 429s and version 404s; see /work/shared/polar-api.md), production does
 * not; against Polar's own hosts the job checks every row-deciding answer against the environment it was
 * started for. Other hosts (a proxy, a local stand-in) are not checked: their answers are only recorded.
 */
public enum PolarEnvironment {
    /** {@code https://api.polar.sh}. */
    PRODUCTION("api.polar.sh"),
    /** {@code https://sandbox-api.polar.sh}. */
    SANDBOX("sandbox-api.polar.sh"),
    /** Any other host: not Polar's own, so its answers are not checked. */
    OTHER(null);

    /** The answer header by which Polar's sandbox marks itself. */
    public static final String SANDBOX_HEADER = "X-Polar-Sandbox";

    private final String host;

    PolarEnvironment(String host) {
        this.host = host;
    }

    /**
     * The environment of a base URL such as {@code https://api.polar.sh}; OTHER for any other host or scheme. A
     * fully qualified host with its trailing dot ({@code api.polar.sh.}) is the same host.
     */
    public static PolarEnvironment of(HttpUrl baseUrl) {
        if (baseUrl.isHttps() && baseUrl.port() == 443) {
            String host = baseUrl.host().endsWith(".") ? baseUrl.host().substring(0, baseUrl.host().length() - 1)
                    : baseUrl.host();
            for (PolarEnvironment environment : values()) {
                if (host.equals(environment.host)) {
                    return environment;
                }
            }
        }
        return OTHER;
    }

    /** As {@link #of(HttpUrl)}; OTHER for a string that is not a URL. */
    public static PolarEnvironment of(String baseUrl) {
        HttpUrl url = baseUrl == null ? null : HttpUrl.parse(baseUrl);
        return url == null ? OTHER : of(url);
    }

    /** Whether a base URL names one of Polar's own hosts (production or sandbox), not a stand-in or a proxy. */
    public static boolean isPolarHost(String baseUrl) {
        return of(baseUrl) != OTHER;
    }

    /**
     * The organization's request budget per minute at a base URL: 500 in production, 100 in the sandbox
     * (polar-api.md, "Rate limit"); empty for any other host, which Polar's budget does not bind.
     */
    public static java.util.OptionalInt budgetPerMinute(String baseUrl) {
        return switch (of(baseUrl)) {
            case PRODUCTION -> java.util.OptionalInt.of(500);
            case SANDBOX -> java.util.OptionalInt.of(100);
            case OTHER -> java.util.OptionalInt.empty();
        };
    }

    /** Whether an answer with (or without) the sandbox header may come from this environment. */
    boolean accepts(boolean sandboxAnswer) {
        return this == OTHER || sandboxAnswer == (this == SANDBOX);
    }

    /** For people: "production", "sandbox", or "not a Polar host". */
    public String label() {
        return this == OTHER ? "not a Polar host" : name().toLowerCase(Locale.ROOT);
    }

    /** Where an answer came from, by its header: "sandbox" or "production (no X-Polar-Sandbox header)". */
    static String answeredBy(boolean sandboxAnswer) {
        return sandboxAnswer ? "sandbox (" + SANDBOX_HEADER + ": 1)" : "production (no " + SANDBOX_HEADER + " header)";
    }
}
