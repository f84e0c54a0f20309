package io.polarerasure.input;

/**
 * Makes invisible characters visible in messages: a BOM, a non-breaking space or a zero-width character in a
 * header or ID would otherwise print as nothing (or as a plain space), and a message such as "no column named
 * external_id; headers found: "external_id"" could not be understood.
 */
public final class Visible {

    private Visible() {
    }

    /**
     * Whether {@code c} is a default-ignorable code point that is not a format character (Cf) and selects no
     * variant: shown as nothing although Unicode calls it a letter or a mark (the Hangul fillers U+115F, U+1160,
     * U+3164, U+FFA0, the combining grapheme joiner U+034F, Khmer's inherent vowels U+17B4-U+17B5) or reserved for
     * such use (U+FFF0-U+FFF8). Source: Unicode's DerivedCoreProperties.txt, Default_Ignorable_Code_Point.
     */
    static boolean blankLetter(int c) {
        return c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x17B4 || c == 0x17B5 || c == 0x3164 || c == 0xFFA0
                || c >= 0xFFF0 && c <= 0xFFF8;
    }

    /**
     * The text with every control (Cc), format (Cf), separator (Z*, except the plain space) and other whitespace
     * character written as {@code <U+XXXX>}, e.g. {@code <U+FEFF>external_id}.
     */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            int type = Character.getType(c);
            boolean invisible = type == Character.CONTROL || type == Character.FORMAT
                    || type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE
                    || Character.isWhitespace(c) || blankLetter(c);
            if (invisible && c != ' ') {
                out.append(String.format("<U+%04X>", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
