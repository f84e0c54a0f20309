package io.polarerasure.input;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.poi.ss.usermodel.Cell;
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
 * file left behind by a killed run cannot be read. Each cell is read as {@link WorkbookCells} says, with a problem
 * that makes its row INVALID if it is the ID column. The line of a record is the sheet's row number, as Excel shows
 * it. Not thread-safe.
 */
final class WorkbookRecords implements RequestFile.Records {

    private final Path file;
    private final Workbook workbook;
    private final Iterator<Row> rows;
    private final WorkbookCells cells = new WorkbookCells();

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
                problem = cell == null ? null : cells.problem(cell);
                // A cell that cannot be an ID keeps its stored value, so the report shows what the sheet held.
                field = cell == null ? "" : WorkbookCells.raw(cell);
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
}
