package io.polarerasure.input;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;

import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.ss.usermodel.DateUtil;
import org.apache.poi.ss.usermodel.FormulaError;

/**
 * What a workbook cell holds as an external ID. A formula cell counts as its saved result. Text cells are taken as
 * they are; a numeric cell holding a whole number of at most {@value #EXCEL_DIGITS} digits, shown as such, becomes
 * its digits; any other cell (a fraction, more digits than Excel keeps, a number shown through a format that pads
 * zeros or adds text, a date, an error, TRUE/FALSE, a formula without a saved result) cannot be an ID: it is read as
 * its stored value with a problem. Not thread-safe (one per {@link WorkbookRecords}).
 */
final class WorkbookCells {

    /**
     * Excel keeps at most 15 significant digits of a number and zeroes the rest on entry (typing
     * {@code 1234567890123456} stores {@code 1234567890123450}): a whole number of more digits is not the ID typed.
     */
    static final int EXCEL_DIGITS = 15;

    /** The significant digits with which Excel writes a number into the sheet's XML. */
    private static final MathContext XML_DIGITS = new MathContext(17);

    /** Excel's General format shows 6 significant digits of a long number in a column of standard width. */
    private static final MathContext SHOWN_DIGITS = new MathContext(6);

    private static final Pattern SHOWN_SCIENTIFIC = Pattern.compile("-?[0-9](?:\\.[0-9]+)?E[+-][0-9]+");

    /** Shows numbers through their cell's format as Excel does (US separators, which {@link #shownOtherwise} drops). */
    private final DataFormatter display = new DataFormatter(Locale.US);

    /**
     * What the cell holds: a formula's saved result counts as its value, as the spreadsheet shows it and a CSV
     * export writes it (BLANK for a formula saved without a result).
     */
    private static CellType kind(Cell cell) {
        return cell.getCellType() == CellType.FORMULA ? cell.getCachedFormulaResultType() : cell.getCellType();
    }

    /**
     * The value the sheet stores: a text or a formula's result as it is, an error's code, a number in Excel's own
     * notation ({@code 45000}, {@code 1234.5}, {@code 1.2345678901234568E+18}). The reader gives a number only as
     * the double Excel keeps, so a 17-digit value written by another tool may differ from the XML in its last digit.
     */
    static String raw(Cell cell) {
        switch (kind(cell)) {
            case NUMERIC:
                // Excel writes a number with at most 17 significant digits, which is what is shown here.
                BigDecimal number = BigDecimal.valueOf(cell.getNumericCellValue()).round(XML_DIGITS)
                        .stripTrailingZeros();
                return number.precision() > EXCEL_DIGITS ? number.toString() : number.toPlainString();
            case BOOLEAN:
                return cell.getBooleanCellValue() ? "TRUE" : "FALSE";
            case ERROR:
                // The reader gives a formula's error only as text ("ERROR:  #N/A"); its code is what the sheet shows.
                String text = cell.getStringCellValue();
                return Arrays.stream(FormulaError.values()).map(FormulaError::getString).filter(text::endsWith)
                        .findFirst().orElse(text);
            default:
                // a text, or "" for a formula without a saved result
                return cell.getStringCellValue();
        }
    }

    /** Why this cell cannot hold an external ID, or null when its value ({@link #raw}) can be used. */
    String problem(Cell cell) {
        boolean formula = cell.getCellType() == CellType.FORMULA;
        String where = "cell " + cell.getAddress() + (formula ? " (a formula, =" + formula(cell) + ")" : "");
        switch (kind(cell)) {
            case STRING:
                return null;
            case BLANK:
                return !formula ? null : where + " has no saved result (the workbook was written by a program that"
                        + " does not calculate). Open it in the spreadsheet, let it calculate, copy the column and"
                        + " paste it as values (Paste Special > Values), save, and run again";
            case NUMERIC:
                return numberProblem(cell, where);
            case ERROR:
                return where + " holds the spreadsheet error " + raw(cell) + ", not an ID. Fix the formula or type"
                        + " the ID, save, and run again";
            case BOOLEAN:
                return where + " is " + raw(cell) + ", not an ID: the spreadsheet keeps TRUE and FALSE as truth"
                        + " values, not text. If an ID really reads true or false, format the ID column as Text,"
                        + " enter the IDs again from the source system (or export the column from it as text, e.g."
                        + " CSV), save, and run again";
            default:
                return where + " is a " + kind(cell).name().toLowerCase(Locale.ROOT) + " cell, not text";
        }
    }

    private static String formula(Cell cell) {
        try {
            return Visible.escape(cell.getCellFormula());
        } catch (IllegalStateException e) {
            return "..."; // a shared formula, whose text the streaming reader does not resolve
        }
    }

    /**
     * A number is an ID only when it is a whole number of at most {@value #EXCEL_DIGITS} digits shown as such:
     * a date, a fraction, a longer number (its last digits were lost on entry) or a number shown as other text
     * (a format that pads zeros or adds letters) is not.
     */
    private String numberProblem(Cell cell, String where) {
        CellStyle style = cell.getCellStyle();
        String format = style == null ? null : style.getDataFormatString();
        if (format != null && DateUtil.isADateFormat(style.getDataFormat(), format)) {
            return where + " is a date or time (" + raw(cell) + " formatted as " + format + "), not an ID:"
                    + " the spreadsheet turned the value into a date. Format the column as Text, enter the IDs again"
                    + " from the source system, save, and run again";
        }
        BigDecimal number = BigDecimal.valueOf(cell.getNumericCellValue()).stripTrailingZeros();
        if (number.scale() > 0) {
            return where + " is the number " + number.toPlainString() + ", not a whole number: not an ID. Format the"
                    + " column as Text, enter the IDs again from the source system, save, and run again";
        }
        int digits = number.precision() - number.scale();
        if (digits > EXCEL_DIGITS) {
            return IdRules.DAMAGED + where + " is the number " + raw(cell) + " (" + digits + " digits, shown as "
                    + scientific(number) + "): a spreadsheet keeps at most " + EXCEL_DIGITS + " significant digits"
                    + " of a number (Excel turns the rest into zeros), so an ID typed, pasted or imported as a number"
                    + " lost its last digits and the workbook cannot give them back. Format the ID column as Text,"
                    + " paste or import the IDs again from the source system (or export them from it as CSV), save,"
                    + " and run again";
        }
        String shown = shownOtherwise(cell.getNumericCellValue(), number.toPlainString(), style);
        if (shown != null) {
            return IdRules.DAMAGED + where + " holds the number " + number.toPlainString() + " but shows it as "
                    + Visible.escape(shown) + " through the number format " + Visible.escape(format) + ": the"
                    + " spreadsheet stored the ID as a number (dropping leading zeros or added text) and only displays"
                    + " it back. Format the ID column as Text and enter the IDs again from the source system, or save"
                    + " the sheet as CSV UTF-8 (which writes what is shown), and run again";
        }
        return null;
    }

    /**
     * What the cell shows when its number format turns the digits into other text ({@code 00042731} through
     * {@code 00000000}, {@code usr_42} through {@code "usr_"0}), or null when it shows the number itself, perhaps
     * grouped, with zero decimals or in scientific notation.
     */
    private String shownOtherwise(double value, String digits, CellStyle style) {
        String format = style == null ? null : style.getDataFormatString();
        if (format == null || format.equalsIgnoreCase("General")) {
            return null;
        }
        String shown = display.formatRawCellContents(value, style.getDataFormat(), format);
        String bare = shown.replace(",", "").replaceFirst("\\.0*$", "");
        return bare.equals(digits) || SHOWN_SCIENTIFIC.matcher(shown).matches() ? null : shown;
    }

    /** As Excel's General format shows a long number in a column of standard width: {@code 4.711E+15}. */
    private static String scientific(BigDecimal number) {
        BigDecimal shown = number.round(SHOWN_DIGITS).stripTrailingZeros();
        int exponent = shown.precision() - shown.scale() - 1;
        return shown.movePointLeft(exponent).toPlainString() + "E+" + exponent;
    }
}
