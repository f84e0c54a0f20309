package io.polarerasure.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;

class ErasureLauncherTest {

    @Test
    void a_run_closed_by_a_takeover_says_when_in_utc_to_the_second() {
        JobExecution last = new JobExecution(7, new JobInstance(3, ErasureJobConfiguration.JOB_NAME),
                new JobParameters());
        // The repository keeps end times in this machine's zone (Abandonment.close).
        last.setEndTime(LocalDateTime.ofInstant(Instant.parse("2026-11-28T02:30:00.123456789Z"),
                ZoneId.systemDefault()));
        last.setExitStatus(new ExitStatus(ReportTakeover.TAKEN_OVER, "taken over by the run of this file against"
                + " https://api.polar.sh"));

        String message = ErasureLauncher.takenOver(last, new RunIdentity("ab12", "https://sandbox-api.polar.sh"),
                "/reports/r.audit.csv");

        assertThat(message).contains("This file's run against https://sandbox-api.polar.sh was closed at"
                + " 2026-11-28 02:30:00 UTC, taken over by the run of this file against https://api.polar.sh;");
    }

    @Test
    void a_run_without_an_end_time_is_closed_without_a_time() {
        JobExecution last = new JobExecution(7, new JobInstance(3, ErasureJobConfiguration.JOB_NAME),
                new JobParameters());
        last.setExitStatus(new ExitStatus(ReportTakeover.TAKEN_OVER, "taken over"));

        assertThat(ErasureLauncher.takenOver(last, new RunIdentity("ab12", "https://x"), "r.csv"))
                .contains("was closed, taken over;").doesNotContain("null");
    }
}
