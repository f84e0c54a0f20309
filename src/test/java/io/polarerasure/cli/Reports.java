package io.polarerasure.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.polarerasure.report.ReportFormat;

import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/** Reads a report back for assertions: each line without its timestamp, as "row,id,outcome,status,attempts,detail". */
final class Reports {

    private Reports() {
    }

    static List<String> lines(Path report) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(report, StandardCharsets.UTF_8);
             CSVParser parser = ReportFormat.parser(reader)) {
            for (CSVRecord record : parser) {
                lines.add(String.join(",", record.get("row"), record.get("external_id"), record.get("outcome"),
                        record.get("http_status"), record.get("attempts"), record.get("detail")));
            }
        }
        return lines;
    }

    static String header(Path report) throws IOException {
        return Files.readAllLines(report, StandardCharsets.UTF_8).get(0);
    }
}
