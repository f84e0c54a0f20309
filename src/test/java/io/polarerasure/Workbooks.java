package io.polarerasure;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.DataFormat;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;

/**
 * Writes {@code .xlsx} workbooks for tests, part by part as Excel does (Office Open XML in a zip): text cells as
 * shared strings (Excel's way) unless inline, numbers, dates (a number with a date style), errors and formulas, so
 * that each kind of cell the reader must tell apart can be put where the IDs are.
 */
public final class Workbooks {

    private static final String MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    private static final String RELS = "http://schemas.openxmlformats.org/package/2006/relationships";
    private static final String OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    /** A cell written as given: {@code <c ATTRS>XML</c>}. */
    public record Cell(String attributes, String xml) {
    }

    private Workbooks() {
    }

    /** A number cell holding exactly this XML value, e.g. {@code 4.711E+15}. */
    public static Cell number(String value) {
        return new Cell("", "<v>" + value + "</v>");
    }

    /** A date: a serial day number with Excel's built-in date format 14. */
    public static Cell date(int serialDay) {
        return new Cell(" s=\"1\"", "<v>" + serialDay + "</v>");
    }

    public static Cell error(String code) {
        return new Cell(" t=\"e\"", "<v>" + code + "</v>");
    }

    /** A formula whose cached result is the text {@code result}. */
    public static Cell formula(String formula, String result) {
        return new Cell(" t=\"str\"", "<f>" + escape(formula) + "</f><v>" + escape(result) + "</v>");
    }

    public static Cell inline(String text) {
        return new Cell(" t=\"inlineStr\"", "<is><t xml:space=\"preserve\">" + escape(text) + "</t></is>");
    }

    /**
     * Writes a workbook with these sheets in order; each row is a list of cells: a String (a shared string), a
     * {@link Cell}, or null (no cell).
     */
    public static Path write(Path file, Map<String, List<List<Object>>> sheets) {
        List<String> strings = new ArrayList<>();
        Map<String, Integer> index = new LinkedHashMap<>();
        try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            Writer out = new OutputStreamWriter(zip, StandardCharsets.UTF_8);
            packageParts(zip, out, new ArrayList<>(sheets.keySet()));
            int n = 0;
            for (List<List<Object>> rows : sheets.values()) {
                zip.putNextEntry(new ZipEntry("xl/worksheets/sheet" + (++n) + ".xml"));
                out.write("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"" + MAIN
                        + "\"><sheetData>");
                int r = 0;
                for (List<Object> row : rows) {
                    r++;
                    if (row == null) {
                        continue; // a row Excel does not store
                    }
                    out.write("<row r=\"" + r + "\">");
                    for (int c = 0; c < row.size(); c++) {
                        Object value = row.get(c);
                        String ref = column(c) + r;
                        if (value instanceof String text) {
                            Integer at = index.computeIfAbsent(text, t -> {
                                strings.add(t);
                                return strings.size() - 1;
                            });
                            out.write("<c r=\"" + ref + "\" t=\"s\"><v>" + at + "</v></c>");
                        } else if (value instanceof Cell cell) {
                            out.write("<c r=\"" + ref + "\"" + cell.attributes() + ">" + cell.xml() + "</c>");
                        }
                    }
                    out.write("</row>");
                }
                out.write("</sheetData></worksheet>");
                out.flush();
                zip.closeEntry();
            }
            sharedStrings(zip, out, strings.size(), strings::get);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /**
     * A one-sheet workbook of {@code rows} data rows under the header {@code request_id, external_id}, streamed:
     * IDs as shared strings, all distinct, as Excel saves such a list.
     */
    public static Path writeLarge(Path file, int rows, IntFunction<String> idOfRow) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            Writer out = new OutputStreamWriter(zip, StandardCharsets.UTF_8);
            packageParts(zip, out, List.of("Requests"));
            zip.putNextEntry(new ZipEntry("xl/worksheets/sheet1.xml"));
            out.write("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"" + MAIN
                    + "\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>");
            for (int i = 0; i < rows; i++) {
                int r = i + 2;
                out.write("<row r=\"" + r + "\"><c r=\"A" + r + "\"><v>" + (i + 1) + "</v></c><c r=\"B" + r
                        + "\" t=\"s\"><v>" + (i + 2) + "</v></c></row>");
            }
            out.write("</sheetData></worksheet>");
            out.flush();
            zip.closeEntry();
            sharedStrings(zip, out, rows + 2, i -> i == 0 ? "request_id" : i == 1 ? "external_id" : idOfRow.apply(i - 2));
        }
        return file;
    }

    /**
     * Writes, with Apache POI as a spreadsheet program would, a sheet {@code Requests} under the header
     * {@code request_id, external_id} with one row per kind of cell a spreadsheet can leave where the IDs are,
     * formulas calculated and saved with their results (except {@code R17}'s). Column B of each row:
     * <ol>
     * <li>{@code R1} text {@code usr_ok}
     * <li>{@code R2} the number 4711000000000000 (what Excel keeps of 4711000000000001, shown as 4.711E+15)
     * <li>{@code R3} the number 1234567890123450 (what Excel keeps of 1234567890123456)
     * <li>{@code R4} the number 123456789012345 (15 digits)
     * <li>{@code R5} the number 123456789012 in the format {@code 0.00E+00} (shown as 1.23E+11)
     * <li>{@code R6} the number -42
     * <li>{@code R7} the number 1234.5
     * <li>{@code R8} the date 2023-03-15 in the format {@code yyyy-mm-dd}
     * <li>{@code R9} TRUE
     * <li>{@code R10} the formula {@code 1/0} (#DIV/0!)
     * <li>{@code R11} the formula {@code NA()} (#N/A)
     * <li>{@code R12} the formula {@code "usr_"&"f1"} (text usr_f1)
     * <li>{@code R13} the formula {@code 40000+2731} (the number 42731)
     * <li>{@code R14} the formula {@code 4711*10^12} (the number 4711000000000000)
     * <li>{@code R15} the number 42731 in the format {@code 00000000} (shown as 00042731)
     * <li>{@code R16} text {@code 1.23457E+11} (a CSV opened and saved by a spreadsheet)
     * <li>{@code R17} the formula {@code "usr_"&"f2"}, saved without a result
     * </ol>
     */
    public static Path everyKindOfCell(Path file) {
        try (XSSFWorkbook book = new XSSFWorkbook()) {
            Sheet sheet = book.createSheet("Requests");
            DataFormat formats = book.createDataFormat();
            header(sheet, "request_id", "external_id");
            cell(sheet, 1).setCellValue("usr_ok");
            cell(sheet, 2).setCellValue(4711000000000000d);
            cell(sheet, 3).setCellValue(1234567890123450d);
            cell(sheet, 4).setCellValue(123456789012345d);
            formatted(book, formats, cell(sheet, 5), "0.00E+00").setCellValue(123456789012d);
            cell(sheet, 6).setCellValue(-42d);
            cell(sheet, 7).setCellValue(1234.5d);
            formatted(book, formats, cell(sheet, 8), "yyyy-mm-dd").setCellValue(LocalDate.of(2023, 3, 15));
            cell(sheet, 9).setCellValue(true);
            cell(sheet, 10).setCellFormula("1/0");
            cell(sheet, 11).setCellFormula("NA()");
            cell(sheet, 12).setCellFormula("\"usr_\"&\"f1\"");
            cell(sheet, 13).setCellFormula("40000+2731");
            cell(sheet, 14).setCellFormula("4711*10^12");
            formatted(book, formats, cell(sheet, 15), "00000000").setCellValue(42731d);
            cell(sheet, 16).setCellValue("1.23457E+11");
            book.getCreationHelper().createFormulaEvaluator().evaluateAll();
            cell(sheet, 17).setCellFormula("\"usr_\"&\"f2\"");
            try (var out = Files.newOutputStream(file)) {
                book.write(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /**
     * Writes {@code samples/requests-workbook.xlsx} (run {@code java -cp <test class path>
     * io.polarerasure.Workbooks samples/requests-workbook.xlsx}): a privacy tool's export opened and saved in a
     * spreadsheet, sheet {@code Requests} then {@code Notes}, with IDs as text, as numbers (one with 16 digits, one
     * shown with zeros padded by its format), a date, a formula's text and a formula's error, and a duplicate.
     */
    public static void main(String[] args) throws IOException {
        try (XSSFWorkbook book = new XSSFWorkbook()) {
            Sheet sheet = book.createSheet("Requests");
            DataFormat formats = book.createDataFormat();
            header(sheet, "request_id", "external_id", "email");
            String[][] rows = {{"REQ-2026-1401", "r.costa@example.br"}, {"REQ-2026-1402", "legacy.numeric@example.com"},
                {"REQ-2026-1403", "n.tanaka@example.jp"}, {"REQ-2026-1404", "date.typed@example.com"},
                {"REQ-2026-1405", "long.number@example.com"}, {"REQ-2026-1406", "lookup.failed@example.com"},
                {"REQ-2026-1407", "r.costa@example.br"}, {"REQ-2026-1408", "zero.padded@example.com"},
                {"REQ-2026-1409", "built.by.formula@example.com"}};
            for (int i = 0; i < rows.length; i++) {
                Row row = sheet.createRow(i + 1);
                row.createCell(0).setCellValue(rows[i][0]);
                row.createCell(2).setCellValue(rows[i][1]);
            }
            sheet.getRow(1).createCell(1).setCellValue("usr_x5a9e2");
            sheet.getRow(2).createCell(1).setCellValue(31337d);
            sheet.getRow(3).createCell(1).setCellValue("usr_x71c0d");
            formatted(book, formats, sheet.getRow(4).createCell(1), "mm-dd-yy").setCellValue(LocalDate.of(2025, 12, 9));
            // 4711234567890123 typed into a General cell: Excel keeps 15 significant digits
            sheet.getRow(5).createCell(1).setCellValue(4711234567890120d);
            sheet.getRow(6).createCell(1).setCellFormula("VLOOKUP(C7,Notes!A:B,2,FALSE)");
            sheet.getRow(7).createCell(1).setCellValue("usr_x5a9e2");
            formatted(book, formats, sheet.getRow(8).createCell(1), "00000000").setCellValue(42735d);
            sheet.getRow(9).createCell(1).setCellFormula("\"usr_\"&\"8f3a2c\"");
            book.createSheet("Notes").createRow(0).createCell(0)
                    .setCellValue("Exported from the privacy tool, November 2026");
            book.getCreationHelper().createFormulaEvaluator().evaluateAll();
            try (var out = Files.newOutputStream(Path.of(args[0]))) {
                book.write(out);
            }
        }
    }

    private static void header(Sheet sheet, String... names) {
        Row row = sheet.createRow(0);
        for (int i = 0; i < names.length; i++) {
            row.createCell(i).setCellValue(names[i]);
        }
    }

    /** Column B of data row {@code n} (sheet row n + 1), with {@code Rn} in column A. */
    private static org.apache.poi.ss.usermodel.Cell cell(Sheet sheet, int n) {
        Row row = sheet.getRow(n) != null ? sheet.getRow(n) : sheet.createRow(n);
        row.createCell(0).setCellValue("R" + n);
        return row.createCell(1);
    }

    private static org.apache.poi.ss.usermodel.Cell formatted(XSSFWorkbook book, DataFormat formats,
            org.apache.poi.ss.usermodel.Cell cell, String format) {
        CellStyle style = book.createCellStyle();
        style.setDataFormat(formats.getFormat(format));
        cell.setCellStyle(style);
        return cell;
    }

    private static void packageParts(ZipOutputStream zip, Writer out, List<String> sheetNames) throws IOException {
        StringBuilder types = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument"
                + ".spreadsheetml.sheet.main+xml\"/>"
                + "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-"
                + "officedocument.spreadsheetml.sharedStrings+xml\"/>"
                + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument"
                + ".spreadsheetml.styles+xml\"/>");
        StringBuilder sheets = new StringBuilder();
        StringBuilder rels = new StringBuilder();
        for (int i = 1; i <= sheetNames.size(); i++) {
            types.append("<Override PartName=\"/xl/worksheets/sheet").append(i).append(".xml\" ContentType=\"application/"
                    + "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>");
            sheets.append("<sheet name=\"").append(escape(sheetNames.get(i - 1))).append("\" sheetId=\"").append(i)
                    .append("\" r:id=\"rId").append(i).append("\"/>");
            rels.append("<Relationship Id=\"rId").append(i).append("\" Type=\"").append(OFFICE)
                    .append("/worksheet\" Target=\"worksheets/sheet").append(i).append(".xml\"/>");
        }
        int n = sheetNames.size();
        rels.append("<Relationship Id=\"rId").append(n + 1).append("\" Type=\"").append(OFFICE)
                .append("/sharedStrings\" Target=\"sharedStrings.xml\"/>");
        rels.append("<Relationship Id=\"rId").append(n + 2).append("\" Type=\"").append(OFFICE)
                .append("/styles\" Target=\"styles.xml\"/>");
        entry(zip, out, "[Content_Types].xml", types.append("</Types>").toString());
        entry(zip, out, "_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships"
                + " xmlns=\"" + RELS + "\"><Relationship Id=\"rId1\" Type=\"" + OFFICE + "/officeDocument\""
                + " Target=\"xl/workbook.xml\"/></Relationships>");
        entry(zip, out, "xl/workbook.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<workbook"
                + " xmlns=\"" + MAIN + "\" xmlns:r=\"" + OFFICE + "\"><sheets>" + sheets + "</sheets></workbook>");
        entry(zip, out, "xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                + "<Relationships xmlns=\"" + RELS + "\">" + rels + "</Relationships>");
        entry(zip, out, "xl/styles.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<styleSheet"
                + " xmlns=\"" + MAIN + "\"><cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\""
                + " applyNumberFormat=\"1\"/></cellXfs></styleSheet>");
    }

    private static void sharedStrings(ZipOutputStream zip, Writer out, int count, IntFunction<String> string)
            throws IOException {
        zip.putNextEntry(new ZipEntry("xl/sharedStrings.xml"));
        out.write("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sst xmlns=\"" + MAIN + "\" count=\""
                + count + "\" uniqueCount=\"" + count + "\">");
        for (int i = 0; i < count; i++) {
            out.write("<si><t xml:space=\"preserve\">" + escape(string.apply(i)) + "</t></si>");
        }
        out.write("</sst>");
        out.flush();
        zip.closeEntry();
    }

    private static void entry(ZipOutputStream zip, Writer out, String name, String content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        out.write(content);
        out.flush();
        zip.closeEntry();
    }

    private static String column(int index) {
        StringBuilder name = new StringBuilder();
        for (int i = index + 1; i > 0; i = (i - 1) / 26) {
            name.insert(0, (char) ('A' + (i - 1) % 26));
        }
        return name.toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
