package io.polarerasure.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import com.github.pjfanning.xlsx.SharedStringsImplementationType;
import io.polarerasure.Workbooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workbook's shared strings (every distinct ID of a text column) are kept on disk, not on the heap: the reader is
 * configured for it, and the temporary file is private to the owner and gone after close. That this keeps the heap
 * flat for a million-row sheet is shown by ScaleBenchmark's figures, not asserted here.
 */
class WorkbookRecordsTest {

    @TempDir
    Path dir;

    @Test
    void the_reader_keeps_the_shared_strings_in_an_encrypted_temporary_file() {
        assertThat(WorkbookRecords.reader().getSharedStringsImplementationType())
                .isEqualTo(SharedStringsImplementationType.TEMP_FILE_BACKED);
        assertThat(WorkbookRecords.reader().encryptSstTempFile()).isTrue();
    }

    @Test
    void the_shared_strings_file_is_owner_only_in_an_owner_only_folder_and_deleted_on_close() throws IOException {
        Path book = Workbooks.writeLarge(dir.resolve("book.xlsx"), 500, row -> "usr_" + row);

        try (WorkbookRecords records = WorkbookRecords.open(book, null)) {
            assertThat(records.next().fields()).containsExactly("request_id", "external_id");
            assertThat(records.next().fields()).hasSize(2).last().asString().startsWith("usr_");
            Path temp = WorkbookRecords.tempFolder();
            assertThat(temp.getParent()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
            assertThat(Files.getPosixFilePermissions(temp)).isEqualTo(Set.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
            List<Path> files = files(temp);
            assertThat(files).isNotEmpty();
            for (Path file : files) {
                assertThat(Files.getPosixFilePermissions(file))
                        .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
            }
        }
        assertThat(files(WorkbookRecords.tempFolder())).isEmpty();
    }

    @Test
    void each_kind_of_cell_a_spreadsheet_leaves_is_an_id_only_when_its_digits_are_the_id() {
        Path book = Workbooks.everyKindOfCell(dir.resolve("cells.xlsx"));

        List<RequestRow> rows = RequestFiles.rows(book);

        assertThat(rows).extracting(RequestRow::line, RequestRow::externalId).containsExactly(
                tuple(2L, "usr_ok"), tuple(3L, "4711000000000000"), tuple(4L, "1234567890123450"),
                tuple(5L, "123456789012345"), tuple(6L, "123456789012"), tuple(7L, "-42"), tuple(8L, "1234.5"),
                tuple(9L, "45000"), tuple(10L, "TRUE"), tuple(11L, "#DIV/0!"), tuple(12L, "#N/A"),
                tuple(13L, "usr_f1"), tuple(14L, "42731"), tuple(15L, "4711000000000000"), tuple(16L, "42731"),
                tuple(17L, "1.23457E+11"), tuple(18L, ""));
        List<String> details = rows.stream().map(RequestRow::invalid).toList();
        assertThat(details.get(0)).isNull();
        assertThat(details.get(1)).isEqualTo(IdRules.DAMAGED + "cell B3 is the number 4711000000000000 (16 digits,"
                + " shown as 4.711E+15): a spreadsheet keeps at most 15 significant digits of a number (Excel turns the"
                + " rest into zeros), so an ID typed, pasted or imported as a number lost its last digits and the"
                + " workbook cannot give them back. Format the ID column as Text, paste or import the IDs again from"
                + " the source system (or export them from it as CSV), save, and run again");
        assertThat(details.get(2)).startsWith(IdRules.DAMAGED + "cell B4 is the number 1234567890123450 (16 digits,"
                + " shown as 1.23457E+15): a spreadsheet keeps at most 15 significant digits");
        assertThat(details.get(3)).isNull();
        assertThat(details.get(4)).isNull(); // shown as 1.23E+11, but the cell holds every digit
        assertThat(details.get(5)).isNull();
        assertThat(details.get(6)).startsWith("cell B8 is the number 1234.5, not a whole number: not an ID.");
        assertThat(details.get(7)).startsWith("cell B9 is a date or time (45000 formatted as yyyy-mm-dd), not an ID");
        assertThat(details.get(8)).isEqualTo("cell B10 is TRUE, not an ID: the spreadsheet keeps TRUE and FALSE as"
                + " truth values, not text. If an ID really reads true or false, format the ID column as Text, enter"
                + " the IDs again from the source system (or export the column from it as text, e.g. CSV), save, and"
                + " run again");
        assertThat(details.get(9)).startsWith("cell B11 (a formula, =1/0) holds the spreadsheet error #DIV/0!, not an"
                + " ID.");
        assertThat(details.get(10)).startsWith("cell B12 (a formula, =NA()) holds the spreadsheet error #N/A");
        assertThat(details.get(11)).isNull();
        assertThat(details.get(12)).isNull();
        assertThat(details.get(13)).startsWith(IdRules.DAMAGED + "cell B15 (a formula, =4711*10^12) is the number"
                + " 4711000000000000 (16 digits, shown as 4.711E+15)");
        assertThat(details.get(14)).isEqualTo(IdRules.DAMAGED + "cell B16 holds the number 42731 but shows it as"
                + " 00042731 through the number format 00000000: the spreadsheet stored the ID as a number (dropping"
                + " leading zeros or added text) and only displays it back. Format the ID column as Text and enter the"
                + " IDs again from the source system, or save the sheet as CSV UTF-8 (which writes what is shown), and"
                + " run again");
        assertThat(details.get(15)).startsWith(IdRules.DAMAGED + "1.23457E+11 is a number in scientific notation");
        assertThat(details.get(16)).startsWith("cell B18 (a formula, =\"usr_\"&\"f2\") has no saved result");
    }

    private static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }
}
