package io.polarerasure.secrets;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks access tokens in text that leaves the process (log lines, answer bodies, error messages). The token can
 * erase every customer of the organization, and a leaked one is revoked by Polar's secret scanning: an incident.
 * Masks the tokens this process was given, whatever their shape, and anything shaped like a Polar token, also where
 * a server's answer or a log line carries them escaped: JSON's {@code \\uXXXX} and {@code \\/}, or URL
 * percent-encoding ({@code %5F}). Thread-safe.
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

    /** Forgets every protected token: for tests, so that one test's token does not mask another's output. */
    static void forgetProtected() {
        protectedTokens.clear();
    }

    /**
     * The text with every protected token and everything shaped like a Polar token replaced by {@link #MASK}, in
     * plain or escaped form (one level of JSON or URL escaping; an escaped token is masked whole, escapes included).
     */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        String masked = text;
        for (String token : protectedTokens) {
            masked = masked.replace(token, MASK);
        }
        // Most log lines hold no token: skip the regular expression for them.
        masked = masked.contains(TOKEN_PREFIX) ? TOKEN_SHAPE.matcher(masked).replaceAll(MASK) : masked;
        return masked.indexOf('\\') < 0 && masked.indexOf('%') < 0 ? masked : maskEscaped(masked);
    }

    /**
     * The beginning of {@code text}, at most about {@code maxChars} characters, redacted as {@link #redact} would the
     * whole text: a token that starts in the part kept is masked whole (one {@link #MASK}), wherever it ends, so the
     * cut never leaves a fragment of it. When {@code cut} says the text is itself only the beginning of something
     * longer (a body read up to a limit), a token its end may have split cannot be recognised there, so nothing of
     * the last {@link #margin()} characters is kept either.
     *
     * @param maxChars how much of the text to keep at most, before masking
     * @param cut      whether the text was cut from a longer one
     */
    public static String redactHead(String text, int maxChars, boolean cut) {
        if (text == null || text.isEmpty()) {
            return text; // the body of a 204, most answers of a run
        }
        int keep = Math.max(0, Math.min(maxChars, cut ? text.length() - margin() : text.length()));
        List<int[]> found = tokenRanges(text);
        found.addAll(escapedRanges(text));
        return mask(text, found, keep);
    }

    /**
     * How close to the end of a text cut from a longer one a token may start and be cut: the longest form of the
     * longest protected token (each character JSON-escaped as six), and at least that of a Polar-shaped token of
     * 128 characters.
     */
    public static int margin() {
        int longest = protectedTokens.stream().mapToInt(String::length).max().orElse(0);
        return 6 * Math.max(longest, 128);
    }

    /**
     * Decodes the escapes, finds tokens in the decoded text and masks the original characters they came from. A
     * server that echoes the token in a JSON string may write {@code polar\\u005foat\\u005f...}, which no plain
     * search finds.
     */
    private static String maskEscaped(String text) {
        List<int[]> found = escapedRanges(text);
        return found.isEmpty() ? text : mask(text, found, text.length());
    }

    /** Where tokens written with escapes are in the text, as [start, end) ranges of its characters. */
    private static List<int[]> escapedRanges(String text) {
        StringBuilder decoded = new StringBuilder(text.length());
        int[] origin = new int[text.length() + 1]; // decoded index -> index of its first original character
        int i = 0;
        while (i < text.length()) {
            origin[decoded.length()] = i;
            int escaped = escapedCharAt(text, i);
            if (escaped >= 0) {
                decoded.append((char) escaped);
                i += text.charAt(i) == '%' ? 3 : text.charAt(i + 1) == 'u' ? 6 : 2;
            } else {
                decoded.append(text.charAt(i++));
            }
        }
        origin[decoded.length()] = text.length();
        if (decoded.length() == text.length()) {
            return new ArrayList<>(); // nothing was escaped: the plain pass saw it all
        }
        List<int[]> found = tokenRanges(decoded.toString());
        for (int[] range : found) {
            range[0] = origin[range[0]];
            range[1] = origin[range[1]];
        }
        return found;
    }

    /** Where protected tokens and Polar-shaped ones are in the text as written, as [start, end) ranges. */
    private static List<int[]> tokenRanges(String text) {
        List<int[]> found = new ArrayList<>();
        for (String token : protectedTokens) {
            for (int at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + 1)) {
                found.add(new int[] {at, at + token.length()});
            }
        }
        Matcher shaped = TOKEN_SHAPE.matcher(text);
        while (shaped.find()) {
            found.add(new int[] {shaped.start(), shaped.end()});
        }
        return found;
    }

    /**
     * The text up to {@code keep} with each range that starts before {@code keep} replaced by {@link #MASK}; a range
     * that runs past {@code keep} is masked whole and ends the text.
     */
    private static String mask(String text, List<int[]> ranges, int keep) {
        ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
        StringBuilder out = new StringBuilder(Math.min(keep, text.length()));
        int copied = 0;
        for (int[] range : ranges) {
            int from = range[0];
            int to = range[1];
            if (from >= keep) {
                break;
            }
            if (to <= copied) {
                continue; // inside a range already masked
            }
            out.append(text, copied, Math.max(copied, from));
            if (from >= copied) {
                out.append(MASK);
            }
            copied = to;
        }
        return copied >= keep ? out.toString() : out.append(text, copied, keep).toString();
    }

    /** The character an escape at {@code i} stands for ({@code \\uXXXX}, {@code \\/}, ASCII {@code %XX}), or -1. */
    private static int escapedCharAt(String text, int i) {
        char c = text.charAt(i);
        if (c == '%' && i + 2 < text.length()) {
            int value = hex(text, i + 1, 2);
            return value < 0x80 ? value : -1;
        }
        if (c == '\\' && i + 1 < text.length()) {
            char next = text.charAt(i + 1);
            if (next == '/') {
                return '/';
            }
            if (next == 'u' && i + 5 < text.length()) {
                int value = hex(text, i + 2, 4);
                return value == Integer.MAX_VALUE ? -1 : value;
            }
        }
        return -1;
    }

    /** The value of {@code digits} hex digits at {@code from}, or Integer.MAX_VALUE if they are not all hex. */
    private static int hex(String text, int from, int digits) {
        int value = 0;
        for (int k = from; k < from + digits; k++) {
            int digit = Character.digit(text.charAt(k), 16);
            if (digit < 0) {
                return Integer.MAX_VALUE;
            }
            value = value * 16 + digit;
        }
        return value;
    }
}
