package io.polarerasure.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.Test;

class SpreadsheetSafeTest {

    @Test
    void prefixes_a_quote_to_cells_starting_with_any_formula_trigger() {
        for (String trigger : new String[] {"=", "+", "-", "@", "\t", "\r", "'"}) {
            assertThat(SpreadsheetSafe.cell(trigger + "cmd|' /C calc'!A0")).isEqualTo("'" + trigger + "cmd|' /C calc'!A0");
        }
        assertThat(SpreadsheetSafe.cell("=HYPERLINK(\"http://evil\")")).isEqualTo("'=HYPERLINK(\"http://evil\")");
    }

    @Test
    void leaves_other_cells_unchanged() {
        for (String value : new String[] {"cus_1", "a=b", " =1", "\n=1", "1-2", "", "ünïcode", "\"quoted\""}) {
            assertThat(SpreadsheetSafe.cell(value)).isEqualTo(value);
        }
        assertThat(SpreadsheetSafe.cell(null)).isNull();
    }

    @Test
    void raw_gives_back_every_value_exactly() {
        Random random = new Random(20261128);
        String alphabet = "=+-@\t\r'a1 \n\"";
        for (int i = 0; i < 10_000; i++) {
            StringBuilder value = new StringBuilder();
            for (int length = random.nextInt(5); length > 0; length--) {
                value.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String original = value.toString();
            assertThat(SpreadsheetSafe.raw(SpreadsheetSafe.cell(original))).as("value %s", original).isEqualTo(original);
        }
    }

    @Test
    void report_lines_neutralise_external_id_and_detail() {
        String line = new String(ReportFormat.linesBytes(java.util.List.of(AuditLine.withoutCall(1, "=1+1",
                Outcome.INVALID, "@SUM(A1)", java.time.Instant.EPOCH))), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(line).startsWith("1,'=1+1,INVALID,,0,'@SUM(A1),");
    }
}
