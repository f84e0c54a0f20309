package io.polarerasure.input;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.ss.usermodel.DateUtil;
import org.apache.poi.ss.usermodel.FormulaError;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.usermodel.Workbook;
import org.apache.poi.util.DefaultTempFileCreationStrategy;
import org.apache.poi.util.TempFile;

import com.github.pjfanning.xlsx.SharedStringsImplementationType;
import com.github.pjfanning.xlsx.StreamingReader;

/**
 * The rows of one sheet of an {@code .xlsx} workbook, streamed with excel-streaming-reader on Apache POI (the
 * sheet's XML is parsed as it is read; the zip is opened by random access, not loaded). The workbook's shared
 * strings table (every distinct text value, so every distinct ID) is kept in a temporary H2 MVStore file, encrypted
 * with a key held only in memory, in an owner-only folder of this process ({@link #tempFolder}), and deleted on close: a million-row sheet of text IDs reads in flat memory, and a
 * file left behind by a killed run cannot be read. A formula cell counts as its saved result. Text cells are taken
 * as they are; a numeric cell holding a whole number of at most {@value #EXCEL_DIGITS} digits, shown as such, becomes
 * its digits; any other cell (a fraction, more digits than Excel keeps, a number shown through a format that pads
 * zeros or adds text, a date, an error, TRUE/FALSE, a formula without a saved result) cannot be an ID, so it is read
 * as its stored value with a problem that makes its row INVALID if it is the ID column. The line of a record is the
 * sheet's row number, as Excel shows it. Not thread-safe.
 */
final class WorkbookRecords implements RequestFile.Records {

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

    private final Path file;
    private final Workbook workbook;
    private final Iterator<Row> rows;
    /** Shows numbers through their cell's format as Excel does (US separators, which {@link #shownOtherwise} drops). */
    private final DataFormatter display = new DataFormatter(Locale.US);

    private WorkbookRecords(Path file, Workbook workbook, Sheet sheet) {
        this.file = file;
        this.workbook = workbook;
        this.rows = sheet.rowIterator();
    }

    /**
     * How workbooks are opened: shared strings in an encrypted temporary file (see the class comment), a few rows
     * of the sheet parsed ahead.
     */
    static StreamingReader.Builder reader() {
        return StreamingReader.builder().rowCacheSize(100).bufferSize(8192)
                .setSharedStringsImplementationType(SharedStringsImplementationType.TEMP_FILE_BACKED)
                .setEncryptSstTempFile(true);
    }

    /**
     * Opens the named sheet, or the first one when {@code sheet} is null.
     *
     * @throws InputFileException if the file is not a readable workbook or has no such sheet
     */
    static WorkbookRecords open(Path file, String sheet) {
        // POI's own folder (java.io.tmpdir/poifiles) would be made with the umask's rights and shared by every user.
        TempFile.setTempFileCreationStrategy(new DefaultTempFileCreationStrategy(PrivateTemp.FOLDER.toFile()));
        Workbook workbook;
        try {
            workbook = reader().open(file.toFile());
        } catch (RuntimeException e) {
            throw InputFileException.at(file, 1, "cannot be read as an .xlsx workbook (" + e.getMessage() + "). Save"
                    + " it from the spreadsheet as an Excel Workbook (.xlsx) or export the requests as CSV UTF-8, and"
                    + " run again.", e);
        }
        try {
            if (workbook.getNumberOfSheets() == 0) {
                throw new IllegalStateException("it has no sheet");
            }
            // POI's getSheet(name) ignores case; --sheet is exact.
            int index = sheet == null ? 0 : IntStream.range(0, workbook.getNumberOfSheets())
                    .filter(i -> workbook.getSheetName(i).equals(sheet)).findFirst().orElse(-1);
            if (index < 0) {
                throw InputFileException.at(file, 1, "the workbook has no sheet named \"" + Visible.escape(sheet)
                        + "\"; sheets: " + IntStream.range(0, workbook.getNumberOfSheets()).mapToObj(i -> "\""
                        + Visible.escape(workbook.getSheetName(i)) + "\"").collect(Collectors.joining(", "))
                        + ". Give --sheet one of these (exact, case-sensitive) and run again.");
            }
            return new WorkbookRecords(file, workbook, workbook.getSheetAt(index));
        } catch (RuntimeException e) {
            close(workbook);
            if (e instanceof InputFileException input) {
                throw input;
            }
            throw InputFileException.at(file, 1, "cannot be read as an .xlsx workbook (" + e.getMessage() + ")."
                    + " Save it again as an Excel Workbook (.xlsx) and run again.", e);
        }
    }

    /** The owner-only folder of this process's temporary workbook files, deleted at exit. */
    static Path tempFolder() {
        return PrivateTemp.FOLDER;
    }

    /** Created on first use, so a run without workbooks leaves nothing in java.io.tmpdir. */
    private static final class PrivateTemp {
        static final Path FOLDER = create();

        private static Path create() {
            try {
                // On POSIX systems Java creates it rwx------, whatever the umask.
                Path folder = Files.createTempDirectory("polar-erasure-xlsx-");
                folder.toFile().deleteOnExit(); // once empty: each file goes when its workbook is closed
                return folder;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a private temporary folder for reading workbooks in"
                        + " java.io.tmpdir (" + System.getProperty("java.io.tmpdir") + "): " + e.getMessage()
                        + ". Give the process a writable temporary folder (-Djava.io.tmpdir=...) and run again", e);
            }
        }
    }

    @Override
    public RequestFile.Record next() {
        Row row;
        try {
            if (!rows.hasNext()) {
                return null;
            }
            row = rows.next();
        } catch (RuntimeException e) {
            throw InputFileException.at(file, 1, "the sheet cannot be read (" + e.getMessage() + "). Save the"
                    + " workbook again as .xlsx and run again.", e);
        }
        int count = Math.max(row.getLastCellNum(), 0);
        List<String> fields = new ArrayList<>(count);
        List<String> problems = null;
        for (int i = 0; i < count; i++) {
            Cell cell = row.getCell(i);
            String problem;
            String field;
            try {
                problem = cell == null ? null : problem(cell);
                // A cell that cannot be an ID keeps its stored value, so the report shows what the sheet held.
                field = cell == null ? "" : raw(cell);
            } catch (RuntimeException e) {
                problem = "cell " + cell.getAddress() + " cannot be read (" + e.getMessage() + ")";
                field = "";
            }
            fields.add(field);
            if (problem != null) {
                if (problems == null) {
                    problems = new ArrayList<>(count);
                }
                while (problems.size() < i) {
                    problems.add(null);
                }
                problems.add(problem);
            }
        }
        return new RequestFile.Record(row.getRowNum() + 1, fields, problems);
    }

    @Override
    public void close() {
        close(workbook);
    }

    /** Closing also deletes the shared strings' temporary file. */
    private static void close(Workbook workbook) {
        try {
            workbook.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

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
    private static String raw(Cell cell) {
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
    private String problem(Cell cell) {
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
