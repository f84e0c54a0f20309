package io.polarerasure.report;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

/**
 * A new request file holding the rows of a report that still need erasing, to be run again: FAILED rows, and
 * NOT_SENT rows of an abandoned run. FAILED rows in doubt (an earlier DELETE of them may have landed) are
 * counted: the retry run sends them by external ID as new rows, so the operator is told to check them first. Its IDs are the raw ones
 * (the report's spreadsheet escaping undone); {@code original_row} and {@code retry_of} (the SHA-256 of the
 * input that failed) tell an auditor where each row came from, and keep every retry file's content, and so
 * its run, distinct from any earlier one.
 */
public final class RetryFile {

    public static final String[] HEADER = {"external_id", "original_row", "retry_of"};

    private RetryFile() {
    }

    /**
     * What {@link #write} did.
     *
     * @param rows    rows written; with none, no file was written
     * @param inDoubt rows written that are in doubt: an earlier DELETE of them may have landed
     */
    public record Written(long rows, long inDoubt) {
    }

    /** Writes the file whole or not at all; refuses to replace an existing one. */
    public static Written write(Path report, String inputSha256, Path target) throws IOException {
        long[] rows = new long[1];
        long[] inDoubt = new long[1];
        AtomicFile.createNew(target, channel -> {
            try (Reader in = Files.newBufferedReader(report, StandardCharsets.UTF_8);
                 CSVParser parser = ReportFormat.parser(in);
                 Writer out = Channels.newWriter(channel, StandardCharsets.UTF_8);
                 CSVPrinter printer = new CSVPrinter(out, ReportFormat.CSV)) {
                printer.printRecord((Object[]) HEADER);
                for (CSVRecord record : parser) {
                    Outcome outcome = Outcome.valueOf(record.get("outcome"));
                    if (outcome == Outcome.FAILED || outcome == Outcome.NOT_SENT) {
                        if (record.get("detail").startsWith(AuditLine.IN_DOUBT)) {
                            inDoubt[0]++;
                        }
                        printer.printRecord(SpreadsheetSafe.raw(record.get("external_id")), record.get("row"),
                                inputSha256);
                        rows[0]++;
                    }
                }
                printer.flush();
                channel.force(true); // closing the printer closes the channel
            }
            return rows[0] > 0;
        });
        return new Written(rows[0], inDoubt[0]);
    }
}
