package io.polarerasure.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import javax.sql.DataSource;

import io.polarerasure.Sha256;
import io.polarerasure.job.DatabaseJournal;
import io.polarerasure.job.OutcomeJournal;
import io.polarerasure.job.RunLease;
import io.polarerasure.job.RunHistory;
import io.polarerasure.report.ReportFacts;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ConfigurableApplicationContext;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code status}: the runs recorded in the job repository, newest first, as a plain table. */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List the runs recorded in the job repository, the most recently started first: input file"
                + " and its SHA-256, start (UTC), state, rows done of total, counts per outcome in the report,"
                + " report path. Under the table, for an unfinished run: the answers its journal keeps after"
                + " the checkpoint, the requests whose answer was never recorded, and which process (host, pid)"
                + " holds its lease and how long ago it renewed it.",
                "With the embedded H2 repository, status cannot read it while a run holds it; use a PostgreSQL"
                        + " repository (--jdbc-url) to watch runs as they go."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:listed (also when there is no run)", "2:the repository or the input cannot be read"})
final class StatusCommand implements Callable<Integer> {

    static final String[] HEADER = {"STARTED (UTC)", "STATE", "ROWS", "COUNTS", "ENVIRONMENT", "INPUT",
        "INPUT SHA-256", "REPORT"};
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Option(names = "--input", paramLabel = "FILE", description = "Show only the run of this request file.")
    Path input;

    @Mixin
    StateOptions state;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        String inputSha256 = null;
        if (input != null) {
            if (!Files.isRegularFile(input)) {
                throw new UsageException("Cannot read the request file " + input + ": it does not exist or is not"
                        + " a file. Check the path and run again.");
            }
            inputSha256 = Sha256.of(input);
        }
        if (state.jdbcUrl == null && !Files.exists(state.stateDir())) {
            out.printf("No runs: %s does not exist (give the --state-dir the runs used).%n", state.stateDir());
            return ExitCodes.OK;
        }
        List<RunHistory.Run> runs;
        Map<String, RunLease.Holder> holders;
        Map<String, Map<Long, OutcomeJournal.Entry>> databaseJournals = new HashMap<>();
        try (ConfigurableApplicationContext context = SpringContexts.openRepository(state, 2, Map.of())) {
            RunHistory history = new RunHistory(context.getBean(JobRepository.class));
            runs = inputSha256 == null ? history.all() : history.ofContent(inputSha256);
            DataSource dataSource = context.getBean(DataSource.class);
            holders = RunLease.holders(dataSource);
            if (state.jdbcUrl != null) {
                // With PostgreSQL the journal is kept in the repository (DatabaseJournal), not in the state folder.
                for (RunHistory.Run run : runs) {
                    if (!run.ended()) {
                        databaseJournals.put(run.identity().key(),
                                DatabaseJournal.read(dataSource, run.identity().key()));
                    }
                }
            }
        } catch (SQLException e) {
            throw new UsageException("Cannot read the journals in the job repository (" + state.describe() + "): "
                    + e.getMessage() + ". Check that the database answers, then run again.");
        }
        if (runs.isEmpty()) {
            out.printf(input == null ? "No runs recorded in %s.%n" : "No run of " + input + " (SHA-256 "
                    + inputSha256 + ") is recorded in %s.%n", state.describe());
            return ExitCodes.OK;
        }
        List<String[]> table = new ArrayList<>();
        table.add(HEADER);
        for (RunHistory.Run run : runs) {
            table.add(row(run));
        }
        print(table, out);
        for (RunHistory.Run run : runs) {
            RunLease.Holder holder = holders.get(run.identity().key());
            if (holder != null && !run.ended()) {
                out.println("Run of " + run.inputFile() + ": leased by " + holder.describe() + ".");
            }
            interruptedChunk(run, databaseJournals.get(run.identity().key())).ifPresent(out::println);
        }
        return ExitCodes.OK;
    }

    /**
     * What the journal holds for an unfinished run's rows after its checkpoint: what resuming will take
     * from it, and what it will have to send again without knowing whether the first request landed.
     */
    private Optional<String> interruptedChunk(RunHistory.Run run, Map<Long, OutcomeJournal.Entry> databaseJournal) {
        if (run.ended()) {
            return Optional.empty();
        }
        Map<Long, OutcomeJournal.Entry> entries;
        try {
            entries = databaseJournal != null ? databaseJournal
                    : OutcomeJournal.read(OutcomeJournal.fileFor(state.stateDir(), run.identity().key()));
        } catch (IOException | RuntimeException e) {
            return Optional.of("Run of " + run.inputFile() + ": its journal cannot be read (" + e.getMessage() + ").");
        }
        long answered = 0;
        long unanswered = 0;
        for (Map.Entry<Long, OutcomeJournal.Entry> entry : entries.entrySet()) {
            if (entry.getKey() > run.rowsDone()) {
                if (entry.getValue().sending()) {
                    unanswered++;
                } else {
                    answered++;
                }
            }
        }
        if (answered + unanswered == 0) {
            return Optional.empty();
        }
        return Optional.of("Run of " + run.inputFile() + ": " + answered + " answer(s) after the checkpoint are kept in"
                + " the journal (resuming reports them without sending again); " + unanswered + " request(s) have no"
                + " recorded answer (resuming sends them again and says so where the customer is then gone).");
    }

    static String[] row(RunHistory.Run run) {
        return new String[] {TIME.format(run.started()), run.state().name()
                + (run.rerun() > 0 ? " (rerun " + run.rerun() + ")" : ""),
                run.rowsDone() + "/" + (run.inputRows() == null ? "?" : run.inputRows()), counts(run),
                run.identity().environment() + " " + run.apiUrl(), run.inputFile(), run.inputSha256(),
                run.reportFile()};
    }

    /**
     * The run's own outcomes: those of the report bytes it committed, checked against their SHA-256, so that a
     * report moved away and replaced by another run's is never counted as this run's.
     */
    private static String counts(RunHistory.Run run) {
        Path file = Path.of(run.reportFile());
        if (run.committedReportSha256() == null) {
            return "no rows yet";
        }
        if (!Files.exists(file)) {
            return "no report";
        }
        try {
            ReportFacts facts = ReportFacts.read(file, run.committedReportBytes());
            return facts.sha256().equals(run.committedReportSha256()) ? facts.counts().toString()
                    : "report changed or replaced since";
        } catch (IOException | RuntimeException e) {
            return "report unreadable";
        }
    }

    /** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
    static void print(List<String[]> table, PrintWriter out) {
        int[] widths = new int[table.get(0).length];
        for (String[] row : table) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : table) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.println(line);
        }
    }
}
