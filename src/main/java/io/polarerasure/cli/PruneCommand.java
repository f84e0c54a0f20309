package io.polarerasure.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import javax.sql.DataSource;

import io.polarerasure.job.Ledger;
import io.polarerasure.job.Retention;
import io.polarerasure.kernel.ExitCodes;

import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ConfigurableApplicationContext;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code prune}: deletes ledger entries and finished runs' state older than a date. */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Delete the ledger entries answered before DATE, and the state of runs that finished"
                + " (COMPLETED or abandoned) before it: their job repository rows, journal and lock file. Unfinished"
                + " runs are kept whatever their age. Reports and summaries are never deleted.",
                "After a run's state is deleted, running the same request file again starts a new run that sends"
                        + " its rows again."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:pruned (also when nothing was old enough)",
            "2:usage error (DATE missing, unreadable or in the future), or the repository cannot be opened"})
final class PruneCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--before", required = true, paramLabel = "DATE",
            description = "A UTC date (2026-01-31, meaning its midnight) or an instant (2026-01-31T12:00:00Z).")
    String before;

    @Mixin
    StateOptions state;

    @Override
    public Integer call() {
        Instant cutoff = parse(before);
        if (cutoff.isAfter(Clock.systemUTC().instant())) {
            throw new UsageException("--before " + before + " is in the future: that would delete the record of runs"
                    + " still to come. Give a past date.");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (state.jdbcUrl == null && !Files.exists(state.stateDir())) {
            out.printf("Nothing to prune: %s does not exist.%n", state.stateDir());
            return ExitCodes.OK;
        }
        Retention.Pruned pruned;
        try (ConfigurableApplicationContext context = SpringContexts.openRepository(state, 2, Map.of())) {
            Retention retention = new Retention(context.getBean(JobRepository.class),
                    new Ledger(context.getBean(DataSource.class)),
                    Files.isDirectory(state.stateDir()) ? Optional.of(state.stateDir()) : Optional.empty());
            pruned = retention.pruneBefore(cutoff);
        }
        out.printf("Deleted %d ledger entr%s answered before %s and the state of %d finished run%s; kept %d"
                        + " older run%s that can still be resumed or are running.%n", pruned.ledgerEntries(),
                pruned.ledgerEntries() == 1 ? "y" : "ies", cutoff, pruned.runs(), pruned.runs() == 1 ? "" : "s",
                pruned.runsKept(), pruned.runsKept() == 1 ? "" : "s");
        return ExitCodes.OK;
    }

    static Instant parse(String date) {
        try {
            return date.length() == 10 ? LocalDate.parse(date).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : Instant.parse(date);
        } catch (DateTimeParseException e) {
            throw new UsageException("--before " + date + " is not a date: give a UTC date such as 2026-01-31 or an"
                    + " instant such as 2026-01-31T12:00:00Z.");
        }
    }
}
