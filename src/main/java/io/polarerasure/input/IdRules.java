package io.polarerasure.input;

import java.util.Locale;
import java.util.Optional;

/**
 * Which external IDs can be sent to Polar's {@code DELETE /v1/customers/external/{external_id}}. Pure and
 * allocation-free on the happy path because it runs once per row in the scan and again in the job.
 *
 * <p>Input comes from a strict UTF-8 decoder, so it never holds unpaired surrogates.
 */
public final class IdRules {

    /**
     * Polar does not limit the length; this keeps URLs well under common proxy limits (a 1,024-character ID
     * percent-encodes to at most 12 KiB) and lets an absurd value stand out in the report.
     */
    static final int MAX_LENGTH = 1_024;

    private IdRules() {
    }

    /**
     * The reason this ID must not be sent, as the detail of an INVALID row, or empty when it may be sent.
     * Rules are checked in this order and the first that applies is reported: missing field, empty, longer than
     * {@value #MAX_LENGTH} characters (code points), {@code .} or {@code ..}, contains {@code /}, contains a
     * control character (Unicode category Cc or Cf; positions are 1-based code points).
     *
     * @param externalId a trimmed ID as in {@link RequestRow#externalId()}; {@code null} means the record had no
     *                   such field
     */
    public static Optional<String> violation(String externalId) {
        if (externalId == null) {
            return Optional.of("row has no external_id field");
        }
        if (externalId.isEmpty()) {
            return Optional.of("external_id is empty");
        }
        if (externalId.length() > MAX_LENGTH) {
            int characters = externalId.codePointCount(0, externalId.length());
            if (characters > MAX_LENGTH) {
                return Optional.of(String.format(Locale.ROOT, "external_id is %d characters long (limit %,d)",
                        characters, MAX_LENGTH));
            }
        }
        // OkHttp and other clients resolve these path segments (also as %2E) and would hit another URL.
        if (externalId.equals(".") || externalId.equals("..")) {
            return Optional.of("external_id is '.' or '..', which HTTP clients rewrite");
        }
        // Polar decodes %2F before routing, so the path splits and no route matches.
        if (externalId.indexOf('/') >= 0) {
            return Optional.of("external_id contains '/', which Polar's endpoint cannot address");
        }
        return controlCharacter(externalId);
    }

    /**
     * Cc (C0, DEL, C1 including U+0085) and Cf (zero-width and bidi marks, U+FEFF, soft hyphen, ...) are invisible
     * or rewrite how text is shown. An operator could not verify such an ID by eye in the audit report, and they
     * almost always come from copy-and-paste or a concatenated export rather than from the merchant's system, so
     * the row is reported for a person to look at instead of being sent.
     */
    private static Optional<String> controlCharacter(String externalId) {
        int position = 0;
        for (int i = 0; i < externalId.length(); ) {
            int codePoint = externalId.codePointAt(i);
            position++;
            int type = Character.getType(codePoint);
            if (type == Character.CONTROL || type == Character.FORMAT) {
                return Optional.of(String.format(Locale.ROOT,
                        "external_id contains control character U+%04X at position %d", codePoint, position));
            }
            i += Character.charCount(codePoint);
        }
        return Optional.empty();
    }

    /**
     * Removes surrounding whitespace exactly as Polar did when the ID was created: its API applies Python's
     * {@code str.strip()}, whose whitespace is wider than Java's {@link String#strip()} (it includes U+00A0,
     * U+2007, U+202F and U+0085). Trimming less would leave an ID that Polar can never match; trimming more
     * could turn it into another customer's ID.
     */
    static String strip(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && isPythonWhitespace(value.charAt(start))) {
            start++;
        }
        while (end > start && isPythonWhitespace(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(start, end);
    }

    /**
     * Python's {@code str.isspace()}: category Zs or bidi class WS, B or S. All such characters are in the BMP,
     * so a {@code char} test is exact.
     */
    private static boolean isPythonWhitespace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }
}
