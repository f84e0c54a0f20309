package io.polarerasure.report;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The little JSON the run summary needs: objects of strings, whole numbers, booleans, null and nested
 * objects. Nothing on the runtime classpath reads JSON, and one flat document does not justify a library.
 * Parsing is strict: anything else is an error naming the position.
 */
public final class Json {

    private Json() {
    }

    /** Writes {@code value} as a JSON string literal, escaping quotes, backslashes and control characters. */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /**
     * Parses one JSON object. Values come back as String, Long, Boolean, null or a nested Map.
     *
     * @throws IllegalArgumentException if the text is not such an object
     */
    static Map<String, Object> parseObject(String text) {
        Parser parser = new Parser(text);
        Map<String, Object> object = parser.object();
        parser.skipSpace();
        if (parser.at < text.length()) {
            throw parser.error("text after the end of the object");
        }
        return object;
    }

    private static final class Parser {

        private final String text;
        private int at;

        Parser(String text) {
            this.text = text;
        }

        Map<String, Object> object() {
            expect('{');
            Map<String, Object> object = new LinkedHashMap<>();
            skipSpace();
            if (peek() == '}') {
                at++;
                return object;
            }
            do {
                skipSpace();
                String key = string();
                expect(':');
                if (object.put(key, value()) != null) {
                    throw error("the key \"" + key + "\" appears twice");
                }
                skipSpace();
            } while (take(','));
            expect('}');
            return object;
        }

        private Object value() {
            skipSpace();
            char c = peek();
            if (c == '{') {
                return object();
            }
            if (c == '"') {
                return string();
            }
            if (c == '-' || Character.isDigit(c)) {
                int start = at;
                at++;
                while (at < text.length() && Character.isDigit(text.charAt(at))) {
                    at++;
                }
                try {
                    return Long.parseLong(text.substring(start, at));
                } catch (NumberFormatException e) {
                    throw error("not a whole number: " + text.substring(start, at));
                }
            }
            for (String literal : new String[] {"true", "false", "null"}) {
                if (text.startsWith(literal, at)) {
                    at += literal.length();
                    return literal.equals("null") ? null : Boolean.valueOf(literal);
                }
            }
            throw error("unexpected character '" + c + "'");
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char escaped = next();
                switch (escaped) {
                    case '"', '\\', '/' -> out.append(escaped);
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'u' -> {
                        if (at + 4 > text.length()) {
                            throw error("a \\u escape is cut off");
                        }
                        try {
                            out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                        } catch (NumberFormatException e) {
                            throw error("a \\u escape is not hexadecimal");
                        }
                        at += 4;
                    }
                    default -> throw error("unknown escape \\" + escaped);
                }
            }
        }

        void skipSpace() {
            while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
        }

        private void expect(char c) {
            skipSpace();
            if (!take(c)) {
                throw error("expected '" + c + "'");
            }
        }

        private boolean take(char c) {
            if (at < text.length() && text.charAt(at) == c) {
                at++;
                return true;
            }
            return false;
        }

        private char peek() {
            if (at >= text.length()) {
                throw error("the text ends too early");
            }
            return text.charAt(at);
        }

        private char next() {
            char c = peek();
            at++;
            return c;
        }

        IllegalArgumentException error(String problem) {
            return new IllegalArgumentException("not valid JSON at character " + (at + 1) + ": " + problem);
        }
    }
}
