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
                    || Character.isWhitespace(c);
            if (invisible && c != ' ') {
                out.append(String.format("<U+%04X>", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
