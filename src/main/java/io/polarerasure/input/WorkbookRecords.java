package io.polarerasure.input;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.dhatim.fastexcel.reader.Cell;
import org.dhatim.fastexcel.reader.ExcelReaderException;
import org.dhatim.fastexcel.reader.ReadableWorkbook;
import org.dhatim.fastexcel.reader.ReadingOptions;
import org.dhatim.fastexcel.reader.Row;
import org.dhatim.fastexcel.reader.Sheet;

/**
 * The rows of one sheet of an {@code .xlsx} workbook, streamed with fastexcel-reader (the sheet's XML is parsed as
 * it is read; the zip is opened by random access, not loaded). Text cells are taken as they are; a numeric cell
 * holding an integer of at most {@value #EXCEL_DIGITS} significant digits becomes its digits; any other cell (a
 * fraction, more digits than Excel keeps, a date, a formula, an error, TRUE/FALSE) cannot be an ID, so it is read as
 * its stored value with a problem that makes its row INVALID if it is the ID column. The line of a record is the sheet's row
 * number, as Excel shows it. Not thread-safe.
 */
final class WorkbookRecords implements RequestFile.Records {

    /** Excel keeps numbers as doubles and shows at most 15 significant digits: more were lost on entry. */
    static final int EXCEL_DIGITS = 15;

    /** Number formats that show a date or a time (quoted text and [colour] or [$-locale] parts removed first). */
    private static final Pattern DATE_FORMAT = Pattern.compile("[dmyhs]", Pattern.CASE_INSENSITIVE);
    private static final Pattern FORMAT_NOISE = Pattern.compile("\"[^\"]*\"|\\[[^]]*]|\\\\.|General",
            Pattern.CASE_INSENSITIVE);

    private final Path file;
    private final ReadableWorkbook workbook;
    private final Stream<Row> stream;
    private final Iterator<Row> rows;

    private WorkbookRecords(Path file, ReadableWorkbook workbook, Stream<Row> stream) {
        this.file = file;
        this.workbook = workbook;
        this.stream = stream;
        this.rows = stream.iterator();
    }

    /**
     * Opens the named sheet, or the first one when {@code sheet} is null.
     *
     * @throws InputFileException if the file is not a readable workbook or has no such sheet
     */
    static WorkbookRecords open(Path file, String sheet) {
        ReadableWorkbook workbook;
        try {
            workbook = new ReadableWorkbook(file.toFile(), new ReadingOptions(true, true));
        } catch (IOException | RuntimeException e) {
            throw InputFileException.at(file, 1, "cannot be read as an .xlsx workbook (" + e.getMessage() + "). Save"
                    + " it from the spreadsheet as an Excel Workbook (.xlsx) or export the requests as CSV UTF-8, and"
                    + " run again.", e);
        }
        try {
            Sheet chosen = sheet == null ? workbook.getFirstSheet() : workbook.findSheet(sheet).orElseThrow(() ->
                    InputFileException.at(file, 1, "the workbook has no sheet named \"" + Visible.escape(sheet)
                            + "\"; sheets: " + workbook.getSheets().map(s -> "\"" + Visible.escape(s.getName())
                            + "\"").collect(Collectors.joining(", ")) + ". Give --sheet one of these (exact,"
                            + " case-sensitive) and run again."));
            return new WorkbookRecords(file, workbook, chosen.openStream());
        } catch (IOException | RuntimeException e) {
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
        } catch (ExcelReaderException | UncheckedIOException e) {
            throw InputFileException.at(file, 1, "the sheet cannot be read (" + e.getMessage() + "). Save the"
                    + " workbook again as .xlsx and run again.", e);
        }
        int count = row.getCellCount();
        List<String> fields = new ArrayList<>(count);
        List<String> problems = null;
        for (int i = 0; i < count; i++) {
            Cell cell = row.getCell(i);
            String problem = cell == null ? null : problem(cell);
            // A cell that cannot be an ID keeps its stored value, so the report shows what the sheet held.
            fields.add(cell == null ? "" : problem != null ? Objects.toString(cell.getRawValue(), "") : text(cell));
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
        return new RequestFile.Record(row.getRowNum(), fields, problems);
    }

    @Override
    public void close() {
        stream.close();
        close(workbook);
    }

    private static void close(ReadableWorkbook workbook) {
        try {
            workbook.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(Cell cell) {
        switch (cell.getType()) {
            case STRING:
                return cell.asString();
            case NUMBER:
                return cell.asNumber().stripTrailingZeros().toPlainString();
            default:
                return "";
        }
    }

    /** Why this cell cannot hold an external ID, or null when its text can be used. */
    private static String problem(Cell cell) {
        String where = "cell " + cell.getAddress();
        switch (cell.getType()) {
            case STRING:
            case EMPTY:
                return null;
            case NUMBER:
                return numberProblem(cell, where);
            case ERROR:
                return where + " holds the spreadsheet error " + cell.getRawValue() + ", not an ID. Fix the formula"
                        + " or type the ID, save, and run again";
            case FORMULA:
                return where + " is a formula (=" + Visible.escape(cell.getFormula()) + "), not a value: its result"
                        + " is not certain to be the ID. Copy the column and paste it as values (Paste Special >"
                        + " Values), save, and run again";
            case BOOLEAN:
                return where + " is TRUE/FALSE, not an ID";
            default:
                return where + " is a " + cell.getType().name().toLowerCase(Locale.ROOT) + " cell, not text";
        }
    }

    private static String numberProblem(Cell cell, String where) {
        String format = cell.getDataFormatString();
        if (format != null && DATE_FORMAT.matcher(FORMAT_NOISE.matcher(format).replaceAll("")).find()) {
            return where + " is a date or time (" + cell.getRawValue() + " formatted as " + format + "), not an ID:"
                    + " the spreadsheet turned the value into a date. Format the column as Text, enter the IDs again"
                    + " from the source system, save, and run again";
        }
        BigDecimal number;
        try {
            number = cell.asNumber().stripTrailingZeros();
        } catch (RuntimeException e) {
            return where + " is a number that cannot be read (" + cell.getRawValue() + ")";
        }
        if (number.scale() > 0) {
            return where + " is the number " + number.toPlainString() + ", not a whole number: not an ID. Format the"
                    + " column as Text, enter the IDs again from the source system, save, and run again";
        }
        if (number.precision() > EXCEL_DIGITS) {
            return IdRules.DAMAGED + where + " is the number " + cell.getRawValue() + ", which has more"
                    + " significant digits than Excel keeps (" + EXCEL_DIGITS + "): the ID's last digits are lost."
                    + " Format the column as Text before entering or importing IDs, save, and run again";
        }
        return null;
    }
}
