package io.polarerasure.input;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.FormulaError;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.usermodel.Workbook;

import com.github.pjfanning.xlsx.SharedStringsImplementationType;
import com.github.pjfanning.xlsx.StreamingReader;

/**
 * The rows of one sheet of an {@code .xlsx} workbook, streamed with excel-streaming-reader on Apache POI (the
 * sheet's XML is parsed as it is read; the zip is opened by random access, not loaded). The workbook's shared
 * strings table (every distinct text value, so every distinct ID) is kept in a temporary H2 MVStore file, encrypted
 * with a key held only in memory, and deleted on close: a million-row sheet of text IDs reads in flat memory, and a
 * file left behind by a killed run cannot be read. Text cells are taken as they are; a numeric cell holding an
 * integer of at most {@value #EXCEL_DIGITS} significant digits becomes its digits; any other cell (a fraction, more
 * digits than Excel keeps, a date, a formula, an error, TRUE/FALSE) cannot be an ID, so it is read as its stored
 * value with a problem that makes its row INVALID if it is the ID column. The line of a record is the sheet's row
 * number, as Excel shows it. Not thread-safe.
 */
final class WorkbookRecords implements RequestFile.Records {

    /** Excel keeps numbers as doubles and shows at most 15 significant digits: more were lost on entry. */
    static final int EXCEL_DIGITS = 15;

    /** The significant digits with which Excel writes a number into the sheet's XML. */
    private static final MathContext XML_DIGITS = new MathContext(17);

    /** Number formats that show a date or a time (quoted text and [colour] or [$-locale] parts removed first). */
    private static final Pattern DATE_FORMAT = Pattern.compile("[dmyhs]", Pattern.CASE_INSENSITIVE);
    private static final Pattern FORMAT_NOISE = Pattern.compile("\"[^\"]*\"|\\[[^]]*]|\\\\.|General",
            Pattern.CASE_INSENSITIVE);

    private final Path file;
    private final Workbook workbook;
    private final Iterator<Row> rows;

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
            String problem = cell == null ? null : problem(cell);
            // A cell that cannot be an ID keeps its stored value, so the report shows what the sheet held.
            fields.add(cell == null ? "" : problem != null ? raw(cell) : text(cell));
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
     * The value the sheet stores: a text or a formula's result as it is, an error's code, a number in Excel's own
     * notation ({@code 45000}, {@code 1234.5}, {@code 1.2345678901234568E+18}). The reader gives a number only as
     * the double Excel keeps, so a 17-digit value written by another tool may differ from the XML in its last digit.
     */
    private static String raw(Cell cell) {
        switch (cell.getCellType()) {
            case NUMERIC:
                // Excel writes a number with at most 17 significant digits, which is what is shown here.
                BigDecimal number = BigDecimal.valueOf(cell.getNumericCellValue()).round(XML_DIGITS)
                        .stripTrailingZeros();
                return number.precision() > EXCEL_DIGITS ? number.toString() : number.toPlainString();
            case ERROR:
                return FormulaError.forInt(cell.getErrorCellValue()).getString();
            default:
                return cell.getStringCellValue();
        }
    }

    private static String text(Cell cell) {
        switch (cell.getCellType()) {
            case STRING:
                return cell.getStringCellValue();
            case NUMERIC:
                return raw(cell);
            default:
                return "";
        }
    }

    /** Why this cell cannot hold an external ID, or null when its text can be used. */
    private static String problem(Cell cell) {
        String where = "cell " + cell.getAddress();
        switch (cell.getCellType()) {
            case STRING:
            case BLANK:
                return null;
            case NUMERIC:
                return numberProblem(cell, where);
            case ERROR:
                return where + " holds the spreadsheet error " + raw(cell) + ", not an ID. Fix the formula"
                        + " or type the ID, save, and run again";
            case FORMULA:
                return where + " is a formula (=" + Visible.escape(cell.getCellFormula()) + "), not a value: its"
                        + " result is not certain to be the ID. Copy the column and paste it as values (Paste Special"
                        + " > Values), save, and run again";
            case BOOLEAN:
                return where + " is TRUE/FALSE, not an ID";
            default:
                return where + " is a " + cell.getCellType().name().toLowerCase(Locale.ROOT) + " cell, not text";
        }
    }

    private static String numberProblem(Cell cell, String where) {
        CellStyle style = cell.getCellStyle();
        String format = style == null ? null : style.getDataFormatString();
        if (format != null && DATE_FORMAT.matcher(FORMAT_NOISE.matcher(format).replaceAll("")).find()) {
            return where + " is a date or time (" + raw(cell) + " formatted as " + format + "), not an ID:"
                    + " the spreadsheet turned the value into a date. Format the column as Text, enter the IDs again"
                    + " from the source system, save, and run again";
        }
        BigDecimal number;
        try {
            number = BigDecimal.valueOf(cell.getNumericCellValue()).stripTrailingZeros();
        } catch (RuntimeException e) {
            return where + " is a number that cannot be read (" + cell.getStringCellValue() + ")";
        }
        if (number.scale() > 0) {
            return where + " is the number " + number.toPlainString() + ", not a whole number: not an ID. Format the"
                    + " column as Text, enter the IDs again from the source system, save, and run again";
        }
        if (number.precision() > EXCEL_DIGITS) {
            return IdRules.DAMAGED + where + " is the number " + raw(cell) + ", which has more"
                    + " significant digits than Excel keeps (" + EXCEL_DIGITS + "): the ID's last digits are lost."
                    + " Format the column as Text before entering or importing IDs, save, and run again";
        }
        return null;
    }
}
