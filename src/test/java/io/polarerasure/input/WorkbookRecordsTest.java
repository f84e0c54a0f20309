package io.polarerasure.input;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import com.github.pjfanning.xlsx.SharedStringsImplementationType;
import io.polarerasure.Workbooks;
import org.apache.poi.util.DefaultTempFileCreationStrategy;
import org.apache.poi.util.TempFile;
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
    void the_shared_strings_file_is_owner_only_while_open_and_deleted_on_close() throws IOException {
        Path book = Workbooks.writeLarge(dir.resolve("book.xlsx"), 500, row -> "usr_" + row);
        Path temp = Files.createDirectory(dir.resolve("temp"));
        TempFile.setTempFileCreationStrategy(new DefaultTempFileCreationStrategy(temp.toFile()));
        try {
            try (WorkbookRecords records = WorkbookRecords.open(book, null)) {
                assertThat(records.next().fields()).containsExactly("request_id", "external_id");
                assertThat(records.next().fields()).hasSize(2).last().asString().startsWith("usr_");
                List<Path> files = files(temp);
                assertThat(files).isNotEmpty();
                for (Path file : files) {
                    assertThat(Files.getPosixFilePermissions(file))
                            .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
                }
            }
            assertThat(files(temp)).isEmpty();
        } finally {
            TempFile.setTempFileCreationStrategy(new DefaultTempFileCreationStrategy());
        }
    }

    private static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }
}
