package io.polarerasure.input;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.csv.CSVException;

/**
 * Turns a Commons CSV parse failure into a message for the operator that names the line. Commons CSV tells its
 * syntax errors apart only in its message text, so the kind and the line number are read from there, with the
 * line after the previous record as the fallback.
 */
final class CsvSyntaxError {

    private static final String QUOTING_ADVICE =
            "Fix the quoting (a quote inside a quoted field is written as two quotes) and run again.";
    private static final Pattern START_LINE = Pattern.compile("\\(startline ([^)]+)\\)");
    private static final Pattern AT_LINE = Pattern.compile("at line: (.+), position:");

    private CsvSyntaxError() {
    }

    /**
     * @param fallbackLine the file line to name when the message names none
     * @param lineOffset   file lines before the parser's first line (a {@code sep=} line)
     */
    static InputFileException of(Path file, IOException cause, long fallbackLine, long lineOffset) {
        String message = String.valueOf(cause.getMessage());
        if (!(cause instanceof CSVException)) {
            return InputFileException.at(file, fallbackLine, "cannot be read (" + cause + "). Check the file"
                    + " and run again.", cause);
        }
        Matcher unterminated = START_LINE.matcher(message);
        if (unterminated.find()) {
            return InputFileException.at(file, number(unterminated, fallbackLine - lineOffset) + lineOffset,
                    "a quoted field starts on this line and is never closed (the file ends inside it). "
                            + QUOTING_ADVICE, cause);
        }
        Matcher trailing = AT_LINE.matcher(message);
        if (trailing.find()) {
            return InputFileException.at(file, number(trailing, fallbackLine - lineOffset) + lineOffset,
                    "text follows the closing quote of a field, which must be followed by a delimiter or the end"
                            + " of the line. " + QUOTING_ADVICE, cause);
        }
        return InputFileException.at(file, fallbackLine, "the CSV cannot be parsed (" + message + "). "
                + QUOTING_ADVICE, cause);
    }

    /** Commons CSV formats line numbers with {@code %,d} in the default locale, so only digits count. */
    private static long number(Matcher matcher, long fallback) {
        String digits = matcher.group(1).codePoints()
                .filter(Character::isDigit)
                .map(c -> '0' + Character.digit(c, 10))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
        return digits.isEmpty() ? fallback : Long.parseLong(digits);
    }
}
