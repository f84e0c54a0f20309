package io.polarerasure.input;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import java.util.ArrayList;
import java.util.Random;

import org.apache.commons.csv.CSVFormat;
import org.junit.jupiter.api.Test;

/**
 * Whatever a standard CSV writer produces from arbitrary IDs reads back as the trimmed ID, or as the right rule.
 * A seeded generator stands in for a property-testing library (jqwik asks AI agents not to use it): the same
 * 300 cases every run, and the seed of a failing case is in the assertion message.
 */
class RequestFilePropertyTest {

    /** Python's str.isspace() characters, spelt out independently of {@link IdRules}. */
    private static final String PYTHON_SPACE = "[\\t\\n\\u000B\\f\\r\\u001C-\\u001F \\u0085\\u00A0\\u1680"
            + "\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";
    private static final Pattern SURROUNDING_SPACE = Pattern.compile("^" + PYTHON_SPACE + "+|" + PYTHON_SPACE + "+$");

    private static final int[] TRICKY = {0x22, 0x2C, 0x3B, 0x2F, 0x2E, 0x20, 0x0A, 0x0D, 0x09, 0x00A0, 0x0085,
        0x2007, 0x200B, 0x200D, 0x3000, 0xFEFF, 0x007F, 0x0001, 0x1F600, 0x0645};

    @Test
    void ids_written_by_commons_csv_read_back_trimmed() throws IOException {
        for (long seed = 1; seed <= 300; seed++) {
            Random random = new Random(seed);
            List<String> ids = ids(random);
            char delimiter = random.nextBoolean() ? ',' : ';';
            boolean idFirst = random.nextBoolean();
            boolean crlf = random.nextBoolean();
            Path file = Files.createTempFile("requests", ".csv");
            try {
                write(file, ids, delimiter, idFirst, crlf);

                List<RequestRow> rows = RequestFiles.rows(file);

                assertThat(rows).as("seed %d", seed).hasSize(ids.size());
                for (int i = 0; i < ids.size(); i++) {
                    String expected = SURROUNDING_SPACE.matcher(ids.get(i)).replaceAll("");
                    assertThat(rows.get(i).row()).isEqualTo(i + 1);
                    assertThat(rows.get(i).externalId()).as("seed %d", seed).isEqualTo(expected);
                    // Damage details go on to explain the export; their start names the rule.
                    assertThat(IdRules.violation(rows.get(i).externalId())
                            .map(v -> v.startsWith(IdRules.DAMAGED) ? IdRules.DAMAGED : v)).as("seed %d", seed)
                            .isEqualTo(expectedViolation(expected));
                }
            } finally {
                Files.delete(file);
            }
        }
    }

    /** Up to 12 IDs of up to 8 code points: mostly printable ASCII, often CSV- or path-special, sometimes anything. */
    private static List<String> ids(Random random) {
        List<String> ids = new ArrayList<>();
        for (int n = random.nextInt(13); n > 0; n--) {
            StringBuilder id = new StringBuilder();
            for (int length = random.nextInt(9); length > 0; length--) {
                int pick = random.nextInt(10);
                id.appendCodePoint(pick < 5 ? 0x20 + random.nextInt(0x5F)
                        : pick < 9 ? TRICKY[random.nextInt(TRICKY.length)]
                        : anyCodePoint(random));
            }
            ids.add(id.toString());
        }
        return ids;
    }

    private static int anyCodePoint(Random random) {
        while (true) {
            int codePoint = 1 + random.nextInt(Character.MAX_CODE_POINT);
            if (codePoint < Character.MIN_SURROGATE || codePoint > Character.MAX_SURROGATE) {
                return codePoint;
            }
        }
    }

    private static void write(Path file, List<String> ids, char delimiter, boolean idFirst, boolean crlf)
            throws IOException {
        String lineEnd = crlf ? "\r\n" : "\n";
        CSVFormat format = CSVFormat.RFC4180.builder().setDelimiter(delimiter).setRecordSeparator(lineEnd).get();
        StringBuilder text = new StringBuilder(format.format(idFirst ? "external_id" : "note",
                idFirst ? "note" : "external_id")).append(lineEnd);
        String note = "n" + delimiter + "\"x\"";
        for (String id : ids) {
            text.append(idFirst ? format.format(id, note) : format.format(note, id)).append(lineEnd);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Default-ignorable code points that are neither Cf nor variation selectors, as ranges. */
    private static final int[][] BLANK_LETTERS = {{0x034F, 0x034F}, {0x115F, 0x1160}, {0x17B4, 0x17B5},
        {0x3164, 0x3164}, {0xFFA0, 0xFFA0}, {0xFFF0, 0xFFF8}};

    private static boolean blankLetter(int codePoint) {
        for (int[] range : BLANK_LETTERS) {
            if (codePoint >= range[0] && codePoint <= range[1]) {
                return true;
            }
        }
        return false;
    }

    /** Neither ASCII nor control, format, separator or blank: a character a zero-width joiner may stand beside. */
    private static boolean seenNonAscii(int codePoint) {
        int type = Character.getType(codePoint);
        return codePoint > 0x7F && !blankLetter(codePoint) && type != Character.CONTROL && type != Character.FORMAT
                && type != Character.SPACE_SEPARATOR && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR;
    }

    /** The rules in their documented order, restated for the test. */
    private static Optional<String> expectedViolation(String id) {
        if (id.isEmpty()) {
            return Optional.of("external_id is empty");
        }
        if (id.equals(".") || id.equals("..")) {
            return Optional.of("external_id is '.' or '..', which HTTP clients rewrite");
        }
        if (id.contains("/")) {
            return Optional.of("external_id contains '/', which Polar's endpoint cannot address");
        }
        int[] codePoints = id.codePoints().toArray();
        for (int i = 0; i < codePoints.length; i++) {
            int type = Character.getType(codePoints[i]);
            boolean joiner = (codePoints[i] == 0x200C || codePoints[i] == 0x200D) && i > 0 && i + 1 < codePoints.length
                    && seenNonAscii(codePoints[i - 1]) && seenNonAscii(codePoints[i + 1]);
            if ((type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || blankLetter(codePoints[i])) && !joiner) {
                return Optional.of(String.format(Locale.ROOT,
                        "external_id contains control or invisible character U+%04X at position %d", codePoints[i], i + 1));
            }
            if (type == Character.SPACE_SEPARATOR && codePoints[i] != 0x20 && codePoints[i] != 0x3000) {
                return Optional.of(String.format(Locale.ROOT, "external_id contains U+%04X at position %d, a space"
                        + " that looks like a plain one but is not (a spreadsheet's thousands separator, or pasted from a web"
                        + " page or document)", codePoints[i], i + 1));
            }
        }
        if (id.codePoints().allMatch(c -> Character.getType(c) == Character.SPACE_SEPARATOR || c == 0x2800
                || c == 0x200C || c == 0x200D || c >= 0xFE00 && c <= 0xFE0F || c >= 0xE0100 && c <= 0xE01EF
                || c >= 0x180B && c <= 0x180D || c == 0x180F)) {
            return Optional.of("external_id shows nothing: each of its characters is a variation selector, a joiner or"
                    + " a blank");
        }
        if (id.length() > 1 && id.charAt(0) == '\'') {
            return Optional.of("looks damaged by a spreadsheet: "); // a spreadsheet's text mark
        }
        return Optional.empty();
    }
}
