package io.polarerasure.secrets;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Masks access tokens in text that leaves the process (log lines, answer bodies, error messages). The token can
 * erase every customer of the organization, and a leaked one is revoked by Polar's secret scanning: an incident.
 * Masks the tokens this process was given, whatever their shape, and anything shaped like a Polar token. Thread-safe.
 */
public final class Redaction {

    /** What a token is replaced with. */
    public static final String MASK = "[redacted]";

    /** Polar's token kinds ({@code polar_oat_}, {@code polar_pat_}, {@code polar_at_u_}, ...) and their secret part. */
    private static final Pattern TOKEN_SHAPE = Pattern.compile("polar_[a-z_]+_[A-Za-z0-9]{20,}");
    private static final String TOKEN_PREFIX = "polar_";
    static final int MIN_PROTECTED_LENGTH = 8;

    // Process-wide like logging itself: every line of every logger must be masked, whoever logs it.
    private static final Set<String> protectedTokens = ConcurrentHashMap.newKeySet();

    private Redaction() {
    }

    /**
     * Masks this token from now on everywhere {@link #redact} is applied, also when it is not shaped like one.
     * Strings shorter than {@value #MIN_PROTECTED_LENGTH} are left alone: masking every "t" of every line would
     * make the output unreadable, and no real Polar token is that short (Polar refuses it with a 401).
     */
    public static void protect(String token) {
        if (token != null && token.length() >= MIN_PROTECTED_LENGTH) {
            protectedTokens.add(token);
        }
    }

    /** The text with every protected token and everything shaped like a Polar token replaced by {@link #MASK}. */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        String masked = text;
        for (String token : protectedTokens) {
            masked = masked.replace(token, MASK);
        }
        // Most log lines hold no token: skip the regular expression for them.
        return masked.contains(TOKEN_PREFIX) ? TOKEN_SHAPE.matcher(masked).replaceAll(MASK) : masked;
    }
}
