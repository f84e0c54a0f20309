package io.polarerasure.report;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;

/** The audit report's CSV layout, shared by the run report and the dry-run plan. */
public final class ReportFormat {

    public static final String[] HEADER =
            {"row", "external_id", "outcome", "http_status", "attempts", "detail", "processed_at"};

    /** RFC 4180 with CRLF: what spreadsheet programs and auditors' tools expect. */
    public static final CSVFormat CSV = CSVFormat.RFC4180.builder().get();

    private ReportFormat() {
    }

    /** The report's header line followed by nothing, as bytes. */
    public static byte[] headerBytes() {
        return headerBytes(List.of());
    }

    /** The header line with more columns after the seven (a retry run's), as bytes. */
    public static byte[] headerBytes(List<String> extraColumns) {
        return encode(printer -> {
            printer.printRecord(Stream.concat(Arrays.stream(HEADER), extraColumns.stream()).toList());
        });
    }

    /** The given lines as report bytes, each terminated. */
    public static byte[] linesBytes(Iterable<? extends AuditLine> lines) {
        return encode(printer -> {
            for (AuditLine line : lines) {
                printer.print(line.row());
                printer.print(SpreadsheetSafe.cell(line.externalId()));
                printer.print(line.outcome().name());
                printer.print(line.httpStatus() == null ? "" : line.httpStatus());
                printer.print(line.attempts());
                printer.print(SpreadsheetSafe.cell(line.detail()));
                printer.print(line.processedAt().truncatedTo(ChronoUnit.MILLIS));
                for (String cell : line.origin()) {
                    printer.print(SpreadsheetSafe.cell(cell));
                }
                printer.println();
            }
        });
    }

    /**
     * A parser over report text (a report, a plan) that reads its header and yields the data records, whose
     * fields are got by the {@link #HEADER} names. The caller closes it (which closes {@code report}).
     */
    public static CSVParser parser(Reader report) throws IOException {
        return CSV.builder().setHeader().setSkipHeaderRecord(true).get().parse(report);
    }

    /** Creates a new, empty file that only its owner can read (reports name who was erased). */
    public static void createOwnerOnly(Path file) throws IOException {
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        FileAttribute<?>[] attributes = file.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(ownerOnly)}
                : new FileAttribute<?>[0];
        Files.createFile(file, attributes);
    }

    /** Writes a small owner-only file whole or not at all (see {@link AtomicFile}). */
    public static void replaceOwnerOnly(Path file, byte[] content) throws IOException {
        AtomicFile.replace(file, content);
    }

    private interface Printing {
        void print(CSVPrinter printer) throws IOException;
    }

    private static byte[] encode(Printing printing) {
        StringBuilder out = new StringBuilder(256);
        try (CSVPrinter printer = new CSVPrinter(out, CSV)) {
            printing.print(printer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot format report lines", e); // StringBuilder never throws
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }
}
