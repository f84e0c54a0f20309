package io.polarerasure.report;

/**
 * Neutralises report cells that a spreadsheet program would run as a formula (OWASP "CSV
 * injection"): a cell starting with {@code = + - @}, TAB or CR gets a leading {@code '}. A cell
 * that already starts with {@code '} gets one too, so the rule stays reversible: to get the raw
 * value back, drop one leading {@code '} from any cell whose second character is one of these.
 */
public final class SpreadsheetSafe {

    private static final String TRIGGERS = "=+-@\t\r'";

    private SpreadsheetSafe() {
    }

    public static String cell(String value) {
        if (value == null || value.isEmpty() || TRIGGERS.indexOf(value.charAt(0)) < 0) {
            return value;
        }
        return "'" + value;
    }

    /** The inverse of {@link #cell}, for tools that read reports back. */
    public static String raw(String cell) {
        if (cell != null && cell.length() >= 2 && cell.charAt(0) == '\'' && TRIGGERS.indexOf(cell.charAt(1)) >= 0) {
            return cell.substring(1);
        }
        return cell;
    }
}
