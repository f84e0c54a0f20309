package io.polarerasure;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

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
