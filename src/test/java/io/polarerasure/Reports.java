package io.polarerasure;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.polarerasure.report.ReportFormat;

import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/** The one reader of audit reports in tests: parses a report with the report's own format, for assertions. */
public final class Reports {

    private Reports() {
    }

    /** Each line of the report as {@code line} makes it, in file order; fields are got by their header names. */
    public static <T> List<T> read(Path report, Function<CSVRecord, T> line) throws IOException {
        List<T> lines = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(report, StandardCharsets.UTF_8);
             CSVParser parser = ReportFormat.parser(reader)) {
            for (CSVRecord record : parser) {
                lines.add(line.apply(record));
            }
        }
        return lines;
    }

    /** Each line without its timestamp, as "row,id,outcome,status,attempts,detail". */
    public static List<String> lines(Path report) throws IOException {
        return read(report, record -> String.join(",", record.get("row"), record.get("external_id"),
                record.get("outcome"), record.get("http_status"), record.get("attempts"), record.get("detail")));
    }

    /** The column names of the report's header, as the parser reads them. */
    public static List<String> headerNames(Path report) throws IOException {
        try (Reader reader = Files.newBufferedReader(report, StandardCharsets.UTF_8);
             CSVParser parser = ReportFormat.parser(reader)) {
            return parser.getHeaderNames();
        }
    }

    /** The header line as written. */
    public static String header(Path report) throws IOException {
        return Files.readAllLines(report, StandardCharsets.UTF_8).get(0);
    }
}
