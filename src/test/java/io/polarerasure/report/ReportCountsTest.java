package io.polarerasure.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The counts line of the run's last line, {@code status} and {@code abandon}: rows in doubt said in words. */
class ReportCountsTest {

    @Test
    void rows_in_doubt_of_one_outcome_are_said_as_part_of_it() {
        assertThat(new ReportCounts(Map.of(Outcome.NOT_FOUND, 2L), 1))
                .hasToString("NOT_FOUND 2, of which 1 after a lost answer (in doubt)");
    }

    @Test
    void rows_in_doubt_among_several_outcomes_are_said_of_all_the_rows() {
        assertThat(new ReportCounts(Map.of(Outcome.DELETED, 5L, Outcome.NOT_FOUND, 2L), 1))
                .hasToString("DELETED 5, NOT_FOUND 2; of these 7 rows, 1 after a lost answer (in doubt)");
    }

    @Test
    void counts_without_rows_in_doubt_name_only_the_outcomes_present() {
        assertThat(new ReportCounts(Map.of(Outcome.DELETED, 5L, Outcome.INVALID, 1L)))
                .hasToString("DELETED 5, INVALID 1");
        assertThat(new ReportCounts(Map.of())).hasToString("no rows");
    }
}
