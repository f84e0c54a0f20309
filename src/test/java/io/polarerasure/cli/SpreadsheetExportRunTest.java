package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.polarerasure.Reports;
import io.polarerasure.Workbooks;
import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.report.HtmlSummary;
import io.polarerasure.report.RunSummary;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole runs of request files shaped like real spreadsheet exports, against the local Polar: each row's outcome and
 * detail, and exactly which requests reached Polar. Nothing a spreadsheet damaged may be sent.
 */
class SpreadsheetExportRunTest {

    private static final String TOKEN = "test-token";
    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", TOKEN);

    @TempDir
    Path dir;

    private FakePolar polar;

    @StartStop
    private final MockWebServer server = new MockWebServer();

    @AfterEach
    void stopPolar() {
        if (polar != null) {
            polar.close();
        }
    }

    private Cli.Result run(Path input, Set<String> customers, String... extra) throws IOException {
        polar = FakePolar.builder().token(TOKEN).customers(customers).build().start();
        List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--api-url",
                polar.baseUrl(), "--state-dir", dir.resolve("state").toString(), "--rate-limit", "1000/s",
                "--progress", "0"));
        args.addAll(List.of(extra));
        return Cli.run(ENV, args.toArray(String[]::new));
    }

    private List<String> sent() {
        return polar.requests().stream().map(FakePolar.Request::externalId).toList();
    }

    @Test
    void damaged_ids_are_invalid_and_never_sent() throws IOException {
        Path input = copy("damaged-export.csv");

        Cli.Result result = run(input, Set.of("usr_ok1", "4.711E+15", "00042731", "usr_q1"));

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.OK);
        assertThat(sent()).containsExactly("usr_ok1");
        List<String> report = Reports.lines(report(input));
        assertThat(report).hasSize(8);
        assertThat(report.get(0)).startsWith("1,4.711E+15,INVALID,,0,looks damaged by a spreadsheet: 4.711E+15 is a"
                + " number in scientific notation");
        assertThat(report.get(1)).startsWith("2,1.23457e+11,INVALID,,0,looks damaged by a spreadsheet:");
        // The report writes cells starting with = or ' behind a ' (CSV injection), see the README.
        assertThat(report.get(2)).startsWith("3,'=\"00042731\",INVALID,,0,looks damaged by a spreadsheet: the value is"
                + " wrapped as =\"...\"");
        assertThat(report.get(3)).startsWith("4,\u201Cusr_q1\u201D,INVALID,,0,looks damaged by a spreadsheet: the"
                + " value is surrounded by typographic quotes");
        assertThat(report.get(4)).startsWith("5,''00042731,INVALID,,0,looks damaged by a spreadsheet: the value"
                + " starts with '");
        assertThat(report.get(5)).isEqualTo("6,usr_ok1,DELETED,204,1,");
        assertThat(report.get(6)).startsWith("7,\u2018usr_q2\u2019,INVALID,,0,looks damaged");
        assertThat(report.get(7)).startsWith("8,\u00ABusr_q3\u00BB,INVALID,,0,looks damaged");
    }

    @Test
    void the_dry_run_lists_rows_damaged_by_a_spreadsheet_first() throws IOException {
        Path input = copy("damaged-export.csv");

        Cli.Result result = Cli.run(Map.of(), "run", "--input", input.toString(), "--dry-run");

        assertThat(result.exitCode()).as(result.all()).isZero();
        assertThat(result.out().lines().toList()).containsSubsequence(
                "  rows that look damaged by a spreadsheet: 7 (not sent; fix the export, see the README):",
                "    row 1 (4.711E+15): looks damaged by a spreadsheet: 4.711E+15 is a number in scientific notation:"
                        + " the spreadsheet turned a long numeric ID into a number and lost its digits. Format the ID"
                        + " column as Text before pasting or importing (or export the IDs straight from the source"
                        + " system), then check this ID",
                "  invalid: 0 other rows cannot be sent");
        assertThat(result.out()).contains("WOULD_DELETE 1");
    }

    @Test
    void a_repeated_header_row_is_invalid_and_not_sent() throws IOException {
        Path input = copy("joined-exports.csv");

        Cli.Result result = run(input, Set.of("usr_j1", "usr_j2", "usr_j3", "external_id"));

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.OK);
        assertThat(sent()).containsExactlyInAnyOrder("usr_j1", "usr_j2", "usr_j3");
        assertThat(Reports.lines(report(input))).containsExactly(
                "1,usr_j1,DELETED,204,1,",
                "2,usr_j2,DELETED,204,1,",
                "3,external_id,INVALID,,0,repeats the header row (external_id): two exports joined together? Not a"
                        + " request; not sent",
                "4,usr_j3,DELETED,204,1,");
    }

    @Test
    void joined_exports_of_another_column_order_are_refused_before_anything_is_sent() throws IOException {
        Path input = copy("joined-other-order.csv");

        Cli.Result result = run(input, Set.of("usr_111111", "usr_222222", "email", "b@x"));

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains(input + " line 3: repeats the header in another column order"
                + " (email,external_id)");
        assertThat(sent()).isEmpty();
        assertThat(report(input)).doesNotExist();
    }

    @Test
    void empty_records_below_the_data_are_skipped_not_reported() throws IOException {
        Path input = copy("empty-records.csv");

        Cli.Result result = run(input, Set.of("usr_e1", "usr_e2", "usr_e3"));

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.OK);
        assertThat(result.out()).contains("(3 rows, 1,247 empty records skipped, sha256");
        assertThat(Reports.lines(report(input))).containsExactly("1,usr_e1,DELETED,204,1,",
                "2,usr_e2,DELETED,204,1,", "3,usr_e3,DELETED,204,1,");
        assertThat(RunSummary.read(RunSummary.pathFor(report(input))).skippedEmptyRecords()).isEqualTo(1247);
        assertThat(Files.readString(RunSummary.pathFor(report(input)))).contains("\"skipped_empty_records\": 1247,");
        assertThat(Files.readString(HtmlSummary.pathFor(report(input))))
                .contains("<tr><th>Empty records skipped (not rows)</th><td class=\"mono\">1247</td></tr>");
    }

    @Test
    void a_list_without_header_is_refused_with_the_no_header_advice_then_runs_whole_with_it() throws IOException {
        Path input = copy("id-list.txt");

        Cli.Result refused = run(input, Set.of("usr_n1", "usr_n2", "usr_n3"));

        assertThat(refused.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.all()).contains("--no-header").doesNotContain("--id-column usr_n1");
        assertThat(polar.requests()).isEmpty();
        polar.close();

        Cli.Result result = run(input, Set.of("usr_n1", "usr_n2", "usr_n3"), "--no-header");

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.OK);
        assertThat(sent()).containsExactlyInAnyOrder("usr_n1", "usr_n2", "usr_n3");
        assertThat(Reports.lines(report(input))).containsExactly("1,usr_n1,DELETED,204,1,",
                "2,usr_n2,DELETED,204,1,", "3,usr_n3,DELETED,204,1,");
    }

    @Test
    void an_id_pattern_keeps_ids_that_lost_their_leading_zeros_from_being_sent() throws IOException {
        Path input = copy("lost-leading-zeros.csv");

        Cli.Result result = run(input, Set.of("00042731", "42731", "00042733"), "--id-pattern", "[0-9]{8}");

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.OK);
        assertThat(sent()).containsExactlyInAnyOrder("00042731", "00042733");
        assertThat(Reports.lines(report(input))).containsExactly("1,00042731,DELETED,204,1,",
                "2,42731,INVALID,,0,does not match --id-pattern [0-9]{8}: not an ID of this merchant's shape (a"
                        + " spreadsheet may have dropped leading zeros or cut digits); check it against the source"
                        + " system",
                "3,00042733,DELETED,204,1,");
    }

    @Test
    void a_run_keeps_the_reading_options_of_its_first_start() throws IOException {
        Path input = copy("lost-leading-zeros.csv");
        assertThat(run(input, Set.of("00042731"), "--id-pattern", "[0-9]{8}").exitCode()).isEqualTo(ExitCodes.OK);
        int sent = polar.requests().size();

        // The same destination, or it would be another run.
        Cli.Result again = Cli.run(ENV, "run", "--input", input.toString(), "--api-url", polar.baseUrl(),
                "--state-dir", dir.resolve("state").toString(), "--rate-limit", "1000/s", "--progress", "0");

        assertThat(again.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(again.all()).contains("started reading it with options \"--id-pattern [0-9]{8}\"");
        assertThat(polar.requests()).hasSize(sent);
    }

    @Test
    void a_bad_id_pattern_is_a_usage_error() throws IOException {
        Cli.Result result = run(copy("lost-leading-zeros.csv"), Set.of(), "--id-pattern", "[0-9");

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.all()).contains("--id-pattern is not a valid regular expression");
    }

    @Test
    void an_untrimmed_id_is_sent_as_written_only_after_the_trimmed_one_answers_404() throws IOException {
        Path input = copy("untrimmed-ids.csv");

        // usr_w1 was created through checkout with its spaces; usr_w2 through the API, trimmed.
        Cli.Result result = run(input, Set.of("  usr_w1", "usr_w2", "usr_w3"), "--concurrency", "1");

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.OK);
        assertThat(sent()).containsExactly("usr_w1", "  usr_w1", "usr_w2", "usr_w3", "usr_w4", "\u00A0usr_w4");
        assertThat(Reports.lines(report(input))).containsExactly(
                "1,usr_w1,DELETED,204,2,matched the ID as written, \"  usr_w1\", after the trimmed ID answered 404",
                "2,usr_w2,DELETED,204,1,matched the trimmed ID (the file holds \"usr_w2 \")",
                "3,usr_w3,DELETED,204,1,",
                "4,usr_w4,NOT_FOUND,404,2,neither the trimmed ID nor the ID as written, \"<U+00A0>usr_w4\", matched a"
                        + " live customer");
    }

    @Test
    void a_workbook_runs_like_a_csv_file() throws IOException {
        List<List<Object>> rows = new ArrayList<>();
        rows.add(List.of("request_id", "external_id"));
        rows.add(List.of("R1", "usr_x1"));
        rows.add(Arrays.asList("R2", Workbooks.number("42731")));
        rows.add(Arrays.asList("R3", Workbooks.date(45000)));
        rows.add(List.of("R4", "4.711E+15"));
        Path input = Workbooks.write(dir.resolve("requests.xlsx"), Map.of("Requests", rows));

        Cli.Result result = run(input, Set.of("usr_x1", "42731"));

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.OK);
        assertThat(sent()).containsExactlyInAnyOrder("usr_x1", "42731");
        List<String> report = Reports.lines(dir.resolve("requests.audit.csv"));
        assertThat(report).hasSize(4);
        assertThat(report.get(0)).isEqualTo("1,usr_x1,DELETED,204,1,");
        assertThat(report.get(1)).isEqualTo("2,42731,DELETED,204,1,");
        assertThat(report.get(2)).startsWith("3,45000,INVALID,,0,cell B4 is a date or time");
        assertThat(report.get(3)).startsWith("4,4.711E+15,INVALID,,0,looks damaged by a spreadsheet");
    }

    @Test
    void no_cell_a_spreadsheet_damaged_in_a_workbook_reaches_polar() throws IOException {
        Path input = Workbooks.everyKindOfCell(dir.resolve("cells.xlsx"));
        // Every value a cell of the workbook could be sent as is a live customer: a damaged one sent would be erased.
        ScriptedPolar script = new ScriptedPolar(Set.of("usr_ok", "4711000000000000", "1234567890123450",
                "123456789012345", "123456789012", "-42", "1234.5", "45000", "TRUE", "usr_f1", "42731", "00042731",
                "1.23457E+11", "123457000000", "usr_f2"));
        server.setDispatcher(script);

        Cli.Result result = Cli.run(ENV, "run", "--input", input.toString(), "--api-url",
                Cli.baseUrl(server), "--state-dir", dir.resolve("state").toString(),
                "--rate-limit", "1000/s", "--progress", "0", "--concurrency", "1");

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.OK);
        assertThat(script.sent()).containsExactly("usr_ok", "123456789012345", "123456789012", "-42", "usr_f1",
                "42731");
        List<String> report = Reports.lines(report(input));
        assertThat(report).hasSize(17);
        assertThat(report).filteredOn(line -> line.contains(",DELETED,")).containsExactly("1,usr_ok,DELETED,204,1,",
                "4,123456789012345,DELETED,204,1,", "5,123456789012,DELETED,204,1,", "6,'-42,DELETED,204,1,",
                "12,usr_f1,DELETED,204,1,", "13,42731,DELETED,204,1,");
        assertThat(report.get(1)).startsWith("2,4711000000000000,INVALID,,0,looks damaged by a spreadsheet: cell B3 is"
                + " the number 4711000000000000 (16 digits, shown as 4.711E+15)");
        assertThat(report.get(2)).startsWith("3,1234567890123450,INVALID,,0,looks damaged by a spreadsheet: cell B4");
        assertThat(report.get(6)).startsWith("7,1234.5,INVALID,,0,cell B8 is the number 1234.5, not a whole number");
        assertThat(report.get(7)).startsWith("8,45000,INVALID,,0,cell B9 is a date or time");
        assertThat(report.get(8)).startsWith("9,TRUE,INVALID,,0,cell B10 is TRUE, not an ID: the spreadsheet keeps")
                .contains("format the ID column as Text");
        assertThat(report.get(9)).startsWith("10,#DIV/0!,INVALID,,0,cell B11 (a formula, =1/0) holds the spreadsheet"
                + " error #DIV/0!");
        assertThat(report.get(10)).startsWith("11,#N/A,INVALID,,0,cell B12 (a formula, =NA()) holds the spreadsheet"
                + " error #N/A");
        assertThat(report.get(13)).startsWith("14,4711000000000000,INVALID,,0,looks damaged by a spreadsheet: cell"
                + " B15 (a formula, =4711*10^12) is the number 4711000000000000");
        assertThat(report.get(14)).startsWith("15,42731,INVALID,,0,looks damaged by a spreadsheet: cell B16 holds the"
                + " number 42731 but shows it as 00042731");
        assertThat(report.get(15)).startsWith("16,1.23457E+11,INVALID,,0,looks damaged by a spreadsheet: 1.23457E+11"
                + " is a number in scientific notation");
        assertThat(report.get(16)).startsWith("17,,INVALID,,0,cell B18 (a formula, =\"usr_\"&\"f2\") has no"
                + " saved result");
    }

    @Test
    void sheet_applies_to_workbooks_only() throws IOException {
        Cli.Result result = run(copy("tab-delimited.csv"), Set.of(), "--sheet", "Requests");

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.all()).contains("--sheet applies to .xlsx workbooks only");
    }

    @Test
    void a_token_file_saved_by_notepad_works() throws IOException {
        Path token = dir.resolve("token");
        Files.write(token, ("\uFEFF\u00A0" + TOKEN + " \r\n").getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        Path input = copy("tab-delimited.csv");
        polar = FakePolar.builder().token(TOKEN).customers(Set.of("usr_t1", "usr_t2")).build().start();

        Cli.Result result = Cli.run(Map.of(), "run", "--input", input.toString(), "--api-url", polar.baseUrl(),
                "--state-dir", dir.resolve("state").toString(), "--token-file", token.toString(), "--progress", "0");

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.OK);
        assertThat(sent()).containsExactlyInAnyOrder("usr_t1", "usr_t2");
    }

    @Test
    void an_unusable_token_file_is_a_configuration_error_naming_it() throws IOException {
        Path token = dir.resolve("token");
        Files.writeString(token, "Bearer " + TOKEN + "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));

        Cli.Result result = Cli.run(Map.of("POLAR_ACCESS_TOKEN", "other"), "run", "--input",
                copy("tab-delimited.csv").toString(), "--api-url", "http://127.0.0.1:9", "--state-dir",
                dir.resolve("state").toString(), "--token-file", token.toString());

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.all()).contains("The token file " + token + " holds a character that cannot be part of a"
                + " token (U+0020 at position 7").doesNotContain(TOKEN).doesNotContain("POLAR_ACCESS_TOKEN");
    }

    private static Path report(Path input) {
        return RunCommand.sibling(input, ".audit.csv");
    }

    private Path copy(String fixture) throws IOException {
        try {
            Path source = Path.of(SpreadsheetExportRunTest.class.getResource("/requests/" + fixture).toURI());
            return Files.copy(source, dir.resolve(fixture));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
