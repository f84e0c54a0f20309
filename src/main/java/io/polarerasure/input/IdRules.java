package io.polarerasure.input;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which external IDs can be sent to Polar's {@code DELETE /v1/customers/external/{external_id}}: the one owner of
 * these rules. {@link RequestFile} applies {@link #verdict} once to every row it reads, so the scan, the dry run and
 * the job decide alike. Pure and allocation-free on the happy path.
 *
 * <p>Besides what Polar cannot address, it refuses values a spreadsheet or a script damaged (scientific notation,
 * a whole number with a {@code .0} part, a {@code ="..."} wrapper, typographic quotes, a leading apostrophe): sent, they come back 404 and the real customer
 * stays live while the report says NOT_FOUND.
 */
public final class IdRules {

    /**
     * Polar does not limit the length; this keeps URLs well under common proxy limits (a 1,024-character ID
     * percent-encodes to at most 12 KiB) and lets an absurd value stand out in the report.
     */
    static final int MAX_LENGTH = 1_024;

    /** Every detail of a spreadsheet-damage rule starts with this, so plans can list those rows first. */
    public static final String DAMAGED = "looks damaged by a spreadsheet: ";

    /** Excel, LibreOffice and Google Sheets write large numbers so: one digit, a fraction, an exponent with a sign. */
    private static final Pattern SCIENTIFIC = Pattern.compile("-?[0-9](?:[.,][0-9]+)?[eE][+-][0-9]{1,3}");
    /**
     * Scientific notation as programs write it: one digit, a fraction, an exponent with or without a sign (Java's
     * {@code Double.toString}: {@code 1.0E10}, {@code 4.71123456789012E15}; others: {@code 4.711e15}), or a
     * {@code +} in front. Without a fraction and a sign ({@code 2E10}, {@code 1e5}) it may be a hexadecimal ID,
     * and is sent.
     */
    private static final Pattern PROGRAM_SCIENTIFIC = Pattern.compile(
            "[+-]?[0-9](?:[.,][0-9]+[eE][+-]?|[eE][+-])[0-9]{1,3}");
    /** A whole number with a fractional zero part, as pandas writes an integer column that has blanks (floats). */
    private static final Pattern FRACTIONAL_ZERO = Pattern.compile("[0-9]+\\.0+");
    /** The {@code sep=;} line Excel writes first; after the header it starts a second, joined export. */
    private static final Pattern EXCEL_SEPARATOR_LINE = Pattern.compile("(?i)sep=.?");
    private static final Pattern FORMULA_TEXT = Pattern.compile("=\"(.*)\"", Pattern.DOTALL);
    private static final String OPENING_QUOTES = "\u201C\u201D\u201E\u2018\u2019\u201A\u00AB\u00BB\u2039\u203A";
    private static final String CLOSING_QUOTES = "\u201D\u201C\u2019\u2018\u00BB\u00AB\u203A\u2039";

    private IdRules() {
    }

    /** Column names that head ID lists; a plain list's first line holding one is a header, not an ID. */
    private static final Set<String> HEADER_NAMES = Set.of("external_id", "externalid", "external id", "id",
            "customer_id", "customerid", "customer id", "customer", "user_id", "userid", "user id", "email", "e-mail");
    /** Of {@link #HEADER_NAMES}, the plain words a data field may hold (a role, a channel, Indonesia's code). */
    private static final Set<String> DATA_WORDS = Set.of("id", "customer", "email", "e-mail");
    /**
     * A name of an ID column in any language: letters (no digits), then "id" after a space, {@code _}, {@code -}
     * or {@code .} ({@code Kunden-ID}, {@code user id}) or as a capital I after a letter ({@code CustomerId},
     * {@code KundenID}), or exactly {@code uid}. Not {@code squid} or {@code android}: no boundary before "id".
     */
    private static final Pattern ID_COLUMN_NAME = Pattern.compile(
            "(?i:uid)|\\p{L}[\\p{L} _.-]*(?:[ _.-](?i:id|uid)|(?<=\\p{L})I[dD])");

    /**
     * Whether a list's first value is a column name rather than an ID (e.g. {@code external_id}, {@code email},
     * {@code Kunden-ID}, {@code uid}).
     */
    static boolean looksLikeHeader(String value) {
        if (value == null) {
            return false;
        }
        String name = Header.name(value);
        return HEADER_NAMES.contains(name.toLowerCase(Locale.ROOT)) || ID_COLUMN_NAME.matcher(name).matches();
    }

    /**
     * Whether a data field names an ID column, so its record is a header: {@link #looksLikeHeader} without the
     * plain words ({@code id}, {@code customer}, {@code email}) that a data column may hold.
     */
    static boolean namesIdColumn(String value) {
        int end = value.length();
        // Every such name ends in "id" (in any case) but perhaps for surrounding spaces: most fields stop here.
        if (end < 3 || !value.regionMatches(true, end - 2, "id", 0, 2) && IdRules.strip(value).length() == end) {
            return false;
        }
        return looksLikeHeader(value) && !DATA_WORDS.contains(Header.name(value).toLowerCase(Locale.ROOT));
    }

    /**
     * The reason this row must not be sent, as the detail of an INVALID row, or null when it may be sent: the rules
     * of {@link #violation}, then a value equal to the ID column's header ignoring case (two exports joined,
     * header and all; {@link JoinedExports} refuses a file whose second header has another layout), then
     * {@link RequestOptions#idPattern()}.
     *
     * @param externalId a trimmed ID, or null when the record has no such field
     */
    static String verdict(String externalId, RequestOptions options) {
        if (externalId == null) {
            return "row has no " + options.idName() + " field";
        }
        // Header.name: the second export's first line may start with its own byte order mark (U+FEFF).
        String asName = Header.name(externalId);
        if (options.header() && asName.equalsIgnoreCase(options.idColumn())) {
            return "repeats the header row (" + options.idColumn() + "): two exports joined together? Not a request;"
                    + " not sent";
        }
        if (options.header() && asName.regionMatches(true, 0, "sep=", 0, 4)
                && EXCEL_SEPARATOR_LINE.matcher(asName).matches()) {
            return "is Excel's " + Visible.escape(asName) + " line, which starts an export: two exports joined"
                    + " together? Not a request; not sent";
        }
        Optional<String> violation = violation(externalId);
        if (violation.isPresent()) {
            return violation.get();
        }
        Pattern pattern = options.idPattern();
        if (pattern != null && !pattern.matcher(externalId).matches()) {
            return "does not match --id-pattern " + pattern.pattern() + ": not an ID of this merchant's shape (a"
                    + " spreadsheet may have dropped leading zeros or cut digits); check it against the source system";
        }
        return null;
    }

    /**
     * The reason this ID must not be sent, as the detail of an INVALID row, or empty when it may be sent.
     * Rules are checked in this order and the first that applies is reported: missing field, empty, longer than {@value #MAX_LENGTH} characters (code points), {@code .} or
     * {@code ..}, contains {@code /}, contains a control character (Unicode category Cc or Cf; positions are 1-based
     * code points) or an unpaired surrogate, damaged by a spreadsheet ({@link #damage}).
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
        Optional<String> control = controlCharacter(externalId);
        return control.isPresent() ? control : Optional.ofNullable(damage(externalId));
    }

    /**
     * What a spreadsheet did to this value, and how to export it correctly, or null when it shows no such sign.
     * Each of these arrives at Polar as a different string from the stored ID, so it would come back 404 and the
     * report would say NOT_FOUND while the real customer stays live.
     */
    static String damage(String id) {
        // The numeric rules all start with a digit or a sign: most IDs skip their regular expressions.
        char first = id.charAt(0);
        boolean numeric = first >= '0' && first <= '9' || first == '+' || first == '-';
        if (numeric && SCIENTIFIC.matcher(id).matches()) {
            return DAMAGED + Visible.escape(id) + " is a number in scientific notation: the spreadsheet turned a long"
                    + " numeric ID into a number and lost its digits. Format the ID column as Text before pasting or"
                    + " importing (or export the IDs straight from the source system), then check this ID";
        }
        if (numeric && PROGRAM_SCIENTIFIC.matcher(id).matches()) {
            return DAMAGED + Visible.escape(id) + " is a number in scientific notation as a program writes it"
                    + " (Java writes 1.0E10, others 4.711e15): a script or tool read the ID column as numbers and"
                    + " lost its digits. Export the ID column as text (in pandas: dtype=str), then check this ID";
        }
        if (numeric && FRACTIONAL_ZERO.matcher(id).matches()) {
            return DAMAGED + Visible.escape(id) + " is a whole number written with a fractional zero part: a tool"
                    + " read the ID column as numbers (pandas does so for a numeric column with blank cells) and wrote"
                    + " it back as decimals, dropping leading zeros and, past 15 digits, changing the last ones. Export"
                    + " the ID column as text (in pandas: dtype=str), then check this ID";
        }
        Matcher formula = FORMULA_TEXT.matcher(id);
        if (id.startsWith("=\"") && formula.matches()) {
            return DAMAGED + "the value is wrapped as =\"...\" (a formula that keeps a spreadsheet from dropping"
                    + " leading zeros). Export the values themselves (in Excel: copy, Paste Special > Values) or remove"
                    + " the wrapper; the ID is probably " + Visible.escape(formula.group(1));
        }
        int last = id.length() - 1;
        if (last > 0 && OPENING_QUOTES.indexOf(id.charAt(0)) >= 0 && CLOSING_QUOTES.indexOf(id.charAt(last)) >= 0) {
            return DAMAGED + "the value is surrounded by typographic quotes " + id.charAt(0) + " " + id.charAt(last)
                    + " (autocorrect's smart quotes, or pasted from a document). Remove them, or export with straight"
                    + " quotes or none; the ID is probably " + Visible.escape(id.substring(1, last));
        }
        if (id.charAt(0) == '\'' && last > 0) {
            return DAMAGED + "the value starts with ' (a spreadsheet's mark for \"treat as text\", not part of the"
                    + " value). Export the cell values without it (save as CSV UTF-8 rather than copying formulas or"
                    + " display text); the ID is probably " + Visible.escape(id.substring(1));
        }
        return null;
    }

    private static final int IDEOGRAPHIC_SPACE = 0x3000;

    /**
     * Cc (C0, DEL, C1 including U+0085) and Cf (zero-width and bidi marks, U+FEFF, soft hyphen, ...) are invisible
     * or rewrite how text is shown, as do the letters shown as nothing ({@link Visible#blankLetter}); U+2028 and
     * U+2029 break the line, and a space other than U+0020 looks like one (U+3000, the ideographic space that
     * Japanese input methods type, is wide and visible: it is sent). Variation selectors are sent: they pick how the
     * character before them is shown (an emoji's ❤️, a name's kanji variant) and can be part of a real ID, as can a
     * zero-width joiner or non-joiner between two such characters ({@link #joinsWithin}). An operator could not
     * verify such an ID by eye in the audit report, and they almost always come from copy-and-paste or a
     * concatenated export rather than from the merchant's system, so the row is reported for a person to look at
     * instead of being sent.
     */
    private static Optional<String> controlCharacter(String externalId) {
        int position = 0;
        boolean shown = false;
        for (int i = 0; i < externalId.length(); ) {
            int codePoint = externalId.codePointAt(i);
            position++;
            int type = Character.getType(codePoint);
            if (type == Character.SURROGATE) {
                return Optional.of(String.format(Locale.ROOT,
                        "external_id is not valid Unicode (unpaired surrogate at position %d)", position));
            }
            if (invisible(type, codePoint) && !joinsWithin(externalId, i, codePoint)) {
                return Optional.of(String.format(Locale.ROOT,
                        "external_id contains control or invisible character U+%04X at position %d", codePoint, position));
            }
            if (type == Character.SPACE_SEPARATOR && codePoint != ' ' && codePoint != IDEOGRAPHIC_SPACE) {
                return Optional.of(String.format(Locale.ROOT, "external_id contains U+%04X at position %d, a space"
                        + " that looks like a plain one but is not (a spreadsheet's thousands separator, or pasted"
                        + " from a web page or document)", codePoint, position));
            }
            shown |= type != Character.SPACE_SEPARATOR && !selectsOrJoins(codePoint) && codePoint != BRAILLE_BLANK;
            i += Character.charCount(codePoint);
        }
        return shown ? Optional.empty() : Optional.of("external_id shows nothing: each of its characters is a"
                + " variation selector, a joiner or a blank");
    }

    private static final int BRAILLE_BLANK = 0x2800;

    /** Variation selectors and zero-width (non-)joiners: they change how their neighbours look, and show nothing. */
    private static boolean selectsOrJoins(int c) {
        return c >= 0xFE00 && c <= 0xFE0F || c >= 0xE0100 && c <= 0xE01EF || c >= 0x180B && c <= 0x180D
                || c == 0x180F || c == 0x200C || c == 0x200D;
    }

    /**
     * Whether the character at {@code index} is a zero-width joiner or non-joiner (U+200D, U+200C) between two
     * characters that are neither ASCII nor invisible: part of the text, not damage. Emoji sequences need the
     * joiner ({@code 👨‍👩‍👧}), and Persian and Indic spelling the non-joiner ({@code مشتری‌یک}); between ASCII letters
     * neither changes anything shown, so there it is copy-and-paste damage like any other invisible character.
     */
    private static boolean joinsWithin(String id, int index, int codePoint) {
        if (codePoint != 0x200C && codePoint != 0x200D || index == 0 || index + 1 >= id.length()) {
            return false;
        }
        return shownBesideAJoiner(id.codePointBefore(index)) && shownBesideAJoiner(id.codePointAt(index + 1));
    }

    private static boolean shownBesideAJoiner(int c) {
        int type = Character.getType(c);
        return c > 0x7F && type != Character.SPACE_SEPARATOR && !invisible(type, c);
    }

    /** Whether {@code c}, of general category {@code type}, is a control, format, line-breaking or blank one. */
    private static boolean invisible(int type, int c) {
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || Visible.blankLetter(c);
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
