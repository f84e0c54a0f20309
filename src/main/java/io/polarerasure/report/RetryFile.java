package io.polarerasure.report;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

/**
 * A new request file holding the rows of a report that still need erasing, to be run again: FAILED rows, and
 * NOT_SENT rows of an abandoned run. Its IDs are the raw ones (the report's spreadsheet escaping undone);
 * {@code original_row}, {@code retry_of} (the SHA-256 of the input that failed) and {@code original_report} (that
 * run's report's file name) tell an auditor where each row came from, and the retry run's report repeats them; the
 * SHA-256 also keeps every retry file's content, and so its run, distinct from any earlier one. A row in doubt (an
 * earlier DELETE of it may have landed) carries {@code in_doubt_since}, a moment before its first such DELETE (the
 * original run's start, or an earlier one the report carries): the retry run looks the ID up before it sends, and
 * erases only a customer that existed before then. {@code original_api_url} names the API the original run was
 * started against (for a retry of a retry, every earlier run's, earliest first, separated by spaces): a retry run
 * against the other Polar environment than any of them is refused before anything is sent, since its rows' doubt and
 * look-ups concern that API.
 */
public final class RetryFile {

    public static final String[] HEADER = {"external_id", "original_row", "retry_of", "original_report",
            "in_doubt_since", "original_api_url"};

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

    /**
     * Writes the file whole or not at all; refuses to replace an existing one.
     *
     * @param runStarted when the report's run first started: no DELETE of it was sent before
     * @param apiUrl     the API the report's run was started against, such as {@code https://api.polar.sh/}; null
     *                   when its summary does not say (written before it was recorded). A retry run's report adds it
     *                   after the APIs its rows carry ({@code original_api_url})
     */
    public static Written write(Path report, String inputSha256, Instant runStarted, String apiUrl, Path target)
            throws IOException {
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
                        Instant since = inDoubtSince(record, runStarted);
                        if (since != null) {
                            inDoubt[0]++;
                        }
                        printer.printRecord(SpreadsheetSafe.raw(record.get("external_id")), record.get("row"),
                                inputSha256, report.getFileName().toString(), since == null ? "" : since.toString(),
                                apis(record, apiUrl));
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

    /**
     * The moment before which no DELETE of a row in doubt was sent: the earlier of this run's start (if its detail
     * says in doubt) and the time a retry run's report carries from its own retry file; null when not in doubt.
     */
    private static Instant inDoubtSince(CSVRecord record, Instant runStarted) {
        Instant since = SpreadsheetSafe.raw(record.get("detail")).startsWith(AuditLine.IN_DOUBT) ? runStarted : null;
        String carried = record.isMapped("in_doubt_since") && record.isSet("in_doubt_since")
                ? SpreadsheetSafe.raw(record.get("in_doubt_since")) : "";
        if (!carried.isEmpty()) {
            Instant earlier;
            try {
                earlier = Instant.parse(carried);
            } catch (DateTimeParseException e) {
                earlier = Instant.EPOCH; // unreadable: the earliest, so that the retry run erases no newer customer
            }
            since = since == null || earlier.isBefore(since) ? earlier : since;
        }
        return since;
    }

    /**
     * The APIs a row was asked of: those a retry run's report carries from its own retry file, then the report's own
     * run's, once each, separated by spaces.
     */
    private static String apis(CSVRecord record, String apiUrl) {
        Set<String> apis = new LinkedHashSet<>();
        if (record.isMapped("original_api_url") && record.isSet("original_api_url")) {
            String carried = SpreadsheetSafe.raw(record.get("original_api_url")).trim();
            if (!carried.isEmpty()) {
                apis.addAll(List.of(carried.split("\\s+")));
            }
        }
        if (apiUrl != null) {
            apis.add(apiUrl);
        }
        return String.join(" ", apis);
    }

    /**
     * For a retry run's report, the file names of the reports whose rows it retries (comma-separated, in order of
     * first appearance); null for any other report.
     */
    public static String originalReports(Path report) throws IOException {
        try (Reader in = Files.newBufferedReader(report, StandardCharsets.UTF_8);
             CSVParser parser = ReportFormat.parser(in)) {
            if (!parser.getHeaderMap().containsKey("original_report")) {
                return null;
            }
            Set<String> names = new LinkedHashSet<>();
            for (CSVRecord record : parser) {
                if (record.isSet("original_report")) {
                    names.add(SpreadsheetSafe.raw(record.get("original_report")));
                }
            }
            names.remove("");
            return names.isEmpty() ? null : String.join(", ", names);
        }
    }
}
