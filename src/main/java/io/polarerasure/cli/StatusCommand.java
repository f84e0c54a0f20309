package io.polarerasure.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.sql.SQLException;
import java.util.ArrayList;
import java.nio.file.DirectoryStream;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import javax.sql.DataSource;

import io.polarerasure.job.DatabaseJournal;
import io.polarerasure.job.InterruptedChunk;
import io.polarerasure.job.LiveStatus;
import io.polarerasure.job.OutcomeJournal;
import io.polarerasure.job.RunHistory;
import io.polarerasure.job.RunLease;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.Sha256;
import io.polarerasure.report.Outcome;
import io.polarerasure.report.ReportFacts;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ConfigurableApplicationContext;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

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
                "While a run holds the embedded H2 repository, status shows that run from the live status file it"
                        + " keeps in the state folder (replaced every 2 s): rows answered, in the report, rate,"
                        + " what it waits for.",
                "At most 120 characters wide; --wide prints one long row per run, --format json everything, for"
                        + " monitoring. A report filed away by nightly.sh (done/<date>/<file>-<sha>/) is found"
                        + " there."},
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

    @Option(names = "--wide", description = "One row per run with every column, however wide.")
    boolean wide;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default) or json: every run with all its facts, for monitoring.")
    String format;

    /** Lines of the default output are cut to this width (paths shortened in the middle). */
    static final int WIDTH = 120;
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (!format.equals("text") && !format.equals("json")) {
            throw new UsageException("--format must be text or json, was " + format + ".");
        }
        boolean json = format.equals("json");
        String inputSha256 = null;
        if (input != null) {
            if (!Files.isRegularFile(input)) {
                throw new UsageException("Cannot read the request file " + input + ": it does not exist or is not"
                        + " a file. Check the path and run again.");
            }
            inputSha256 = Sha256.of(input);
        }
        if (state.jdbcUrl == null && !Files.exists(state.stateDir())) {
            if (json) {
                out.println("{\"runs\": [], \"live\": []}");
                return ExitCodes.OK;
            }
            out.printf("No runs: %s does not exist (give the --state-dir the runs used).%n", state.stateDir());
            return ExitCodes.OK;
        }
        List<LiveStatus> live = running(LiveStatus.all(state.stateDir()));
        if (state.jdbcUrl == null && !live.isEmpty()) {
            // The running process holds the embedded repository: one process opens H2 at a time.
            return showLive(live, json, out);
        }
        if (state.embeddedRepositoryInUse()) {
            return repositoryInUse(json, out);
        }
        List<RunHistory.Run> runs;
        Map<String, RunLease.Holder> holders;
        Map<String, Map<Long, OutcomeJournal.Entry>> databaseJournals = new HashMap<>();
        ConfigurableApplicationContext opened;
        try {
            opened = SpringContexts.openRepository(state, 2, Map.of());
        } catch (UsageException e) {
            // The check above raced a process that opened the repository just after it.
            if (state.embeddedRepositoryInUse()) {
                return repositoryInUse(json, out);
            }
            throw e;
        }
        try (ConfigurableApplicationContext context = opened) {
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
        if (json) {
            List<Map<String, Object>> all = new ArrayList<>();
            for (RunHistory.Run run : runs) {
                all.add(facts(run, holders.get(run.identity().key()), databaseJournals.get(run.identity().key())));
            }
            out.println(JSON.writeValueAsString(Map.of("runs", all, "live", live)));
            return ExitCodes.OK;
        }
        if (runs.isEmpty()) {
            out.printf(input == null ? "No runs recorded in %s.%n" : "No run of " + input + " (SHA-256 "
                    + inputSha256 + ") is recorded in %s.%n", state.describe());
            return ExitCodes.OK;
        }
        if (wide) {
            List<String[]> table = new ArrayList<>();
            table.add(HEADER);
            for (RunHistory.Run run : runs) {
                table.add(row(run));
            }
            print(table, out);
        }
        for (RunHistory.Run run : runs) {
            if (!wide) {
                block(run, out);
            }
            RunLease.Holder holder = holders.get(run.identity().key());
            // A holder killed on this machine leaves its lease behind: the run is not running, however fresh it is.
            boolean gone = holder != null && holder.goneFromThisMachine();
            boolean running = holder != null && !gone && !run.ended() && run.state() == BatchStatus.STARTED;
            if (holder != null && !run.ended()) {
                println(out, (wide ? "Run of " + run.inputFile() + ": " : "  ") + (gone ? "stopped (process "
                        + holder.pid() + " is gone; resume with the same command); it held the lease: " : "leased by ")
                        + holder.describe() + ".");
            }
            interruptedChunk(run, databaseJournals.get(run.identity().key()), running)
                    .ifPresent(line -> println(out, wide ? "Run of " + run.inputFile() + ": " + line : "  " + line));
        }
        return ExitCodes.OK;
    }

    /** The journal's account of an unfinished run's rows after its checkpoint (see {@link InterruptedChunk}). */
    private Optional<String> interruptedChunk(RunHistory.Run run, Map<Long, OutcomeJournal.Entry> databaseJournal,
                                              boolean running) {
        if (run.ended()) {
            return Optional.empty();
        }
        try {
            return InterruptedChunk.of(run, databaseJournal, state.stateDir()).describe(running);
        } catch (IOException | RuntimeException e) {
            return Optional.of("its journal cannot be read (" + e.getMessage() + ").");
        }
    }

    /** Everything known of a run, for {@code --format json}. */
    private Map<String, Object> facts(RunHistory.Run run, RunLease.Holder holder,
                                      Map<Long, OutcomeJournal.Entry> databaseJournal) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("runKey", run.identity().key());
        facts.put("state", run.state().name());
        facts.put("rerun", run.rerun());
        facts.put("started", run.started());
        facts.put("finished", run.finished());
        facts.put("rowsDone", run.rowsDone());
        facts.put("inputRows", run.inputRows());
        facts.put("environment", run.identity().environment());
        facts.put("apiUrl", run.apiUrl());
        facts.put("rateLimit", run.rateLimit());
        facts.put("input", run.inputFile());
        facts.put("inputSha256", run.inputSha256());
        facts.put("recordedReport", run.reportFile());
        Optional<Path> report = locateReport(run);
        facts.put("report", report.map(Path::toString).orElse(null));
        facts.put("counts", counts(run, report));
        Optional<ReportFacts> read = reportFacts(run, report);
        read.ifPresent(found -> {
            Map<String, Long> byOutcome = new LinkedHashMap<>();
            for (Outcome outcome : Outcome.values()) {
                byOutcome.put(outcome.name(), found.counts().get(outcome));
            }
            facts.put("outcomes", byOutcome);
            facts.put("inDoubt", found.counts().inDoubt());
        });
        if (holder != null && !run.ended()) {
            facts.put("leaseHolder", holder.describe());
            facts.put("leaseHolderGone", holder.goneFromThisMachine());
        }
        if (!run.ended()) {
            try {
                InterruptedChunk journal = InterruptedChunk.of(run, databaseJournal, state.stateDir());
                facts.put("answersAfterCheckpoint", journal.answered());
                facts.put("requestsWithoutAnswer", journal.unanswered());
            } catch (IOException | RuntimeException e) {
                facts.put("journalError", e.getMessage());
            }
        }
        return facts;
    }

    /** The default layout: one heading line per run and its facts under it, each line at most {@link #WIDTH}. */
    private void block(RunHistory.Run run, PrintWriter out) {
        Optional<Path> report = locateReport(run);
        println(out, TIME.format(run.started()) + " UTC  " + run.state().name()
                + (run.rerun() > 0 ? " (rerun " + run.rerun() + ")" : "") + "  " + run.rowsDone() + "/"
                + (run.inputRows() == null ? "?" : run.inputRows()) + " rows  " + run.identity().environment() + " "
                + run.apiUrl());
        println(out, "  outcomes: " + counts(run, report));
        println(out, "  input:  " + shorten(run.inputFile(), WIDTH - 10 - 26) + " (sha256 "
                + run.inputSha256().substring(0, 12) + "...)");
        println(out, "  report: " + shorten(report.map(Path::toString).orElse(run.reportFile()
                + (run.committedReportSha256() == null ? "" : " (not there any more)")), WIDTH - 10));
    }

    /**
     * A process has the embedded repository open but keeps no live status (yet): a run in its first seconds or its
     * last, abandon, prune or another status. Opening it would fail.
     */
    private int repositoryInUse(boolean json, PrintWriter out) {
        if (json) {
            out.println("{\"runs\": [], \"live\": [], \"repository_in_use\": true}");
        } else {
            println(out, "Another polar-erasure process has the embedded job repository (" + state.describe()
                    + ") open and has written no live status yet: a run starting or finishing, or abandon or"
                    + " prune. Run status again in a few seconds.");
        }
        return ExitCodes.OK;
    }

    /** The live runs' own account, when their process holds the embedded repository. */
    private int showLive(List<LiveStatus> live, boolean json, PrintWriter out) {
        if (json) {
            out.println(JSON.writeValueAsString(Map.of("runs", List.of(), "live", live)));
            return ExitCodes.OK;
        }
        println(out, "A run holds the embedded job repository; shown from its live status file (finished runs"
                + " show once it ends):");
        for (LiveStatus run : live) {
            println(out, "RUNNING since " + TIME.format(run.startedAt()) + " UTC  " + run.answered() + "/"
                    + run.total() + " rows answered, " + run.committed() + " in the report  host " + run.host()
                    + ", pid " + run.pid());
            StringBuilder outcomes = new StringBuilder();
            run.counts().forEach((outcome, count) -> outcomes.append(outcomes.length() == 0 ? "" : ", ")
                    .append(outcome).append(' ').append(count));
            println(out, "  " + run.answeredLastMinute() + " answered in the last minute (limit " + run.rate() + ");"
                    + " outcomes so far: " + (outcomes.length() == 0 ? "none yet" : outcomes));
            long inFlight = Math.max(0, run.answered() - run.committed());
            println(out, "  " + (run.waiting() == null ? "sending" : run.waiting() + (run.waitingUntil() == null
                    ? "" : ", resuming " + TIME.format(run.waitingUntil()) + " UTC")) + "; " + inFlight
                    + " answered row(s) wait for the next checkpoint");
            println(out, "  input:  " + shorten(run.input(), WIDTH - 10));
            println(out, "  report: " + shorten(run.report() == null ? "(not yet opened)" : run.report(), WIDTH - 10));
            println(out, "  to: " + run.apiUrl() + "  updated " + TIME.format(run.updatedAt()) + " UTC");
        }
        return ExitCodes.OK;
    }

    /**
     * Live statuses of runs still going: on this host, those whose process is alive; elsewhere (a shared state
     * folder), those updated within the last 30 s.
     */
    private static List<LiveStatus> running(List<LiveStatus> all) {
        String host = RunLease.hostName();
        List<LiveStatus> running = new ArrayList<>();
        for (LiveStatus status : all) {
            boolean alive = host.equals(status.host()) ? ProcessHandle.of(status.pid()).map(ProcessHandle::isAlive)
                    .orElse(false) : status.updatedAt().isAfter(java.time.Instant.now().minusSeconds(30));
            if (alive) {
                running.add(status);
            }
        }
        return running;
    }

    /**
     * Where the run's report is now: where it was written, else where nightly.sh files it
     * ({@code <done>/<UTC date>/<input name>-<first 12 hex of its SHA-256>/}, with done from
     * {@code POLAR_ERASURE_DONE}, next to the report's folder or in it).
     */
    static Optional<Path> locateReport(RunHistory.Run run) {
        Path recorded = Path.of(run.reportFile());
        if (Files.exists(recorded)) {
            return Optional.of(recorded);
        }
        List<Path> doneFolders = new ArrayList<>();
        String configured = System.getenv("POLAR_ERASURE_DONE");
        if (configured != null && !configured.isBlank()) {
            doneFolders.add(Path.of(configured));
        }
        if (recorded.getParent() != null) {
            doneFolders.add(recorded.getParent().resolveSibling("done"));
            doneFolders.add(recorded.getParent().resolve("done"));
        }
        String folder = Path.of(run.inputFile()).getFileName() + "-" + run.inputSha256().substring(0, 12);
        for (Path done : doneFolders) {
            if (!Files.isDirectory(done)) {
                continue;
            }
            try (DirectoryStream<Path> days = Files.newDirectoryStream(done)) {
                for (Path day : days) {
                    Path filed = day.resolve(folder).resolve(recorded.getFileName());
                    if (Files.exists(filed)) {
                        return Optional.of(filed);
                    }
                }
            } catch (IOException e) {
                // An unreadable done folder: the report shows as not there.
            }
        }
        return Optional.empty();
    }

    /** A path cut in the middle to at most {@code width} characters, keeping its start and its file name. */
    static String shorten(String text, int width) {
        if (text.length() <= width) {
            return text;
        }
        int tail = Math.min(text.length(), Math.max(width / 2, width - 20));
        return text.substring(0, Math.max(0, width - tail - 3)) + "..." + text.substring(text.length() - tail);
    }

    /** Prints a line; in the default layout a longer one is wrapped at spaces, continued with an indent. */
    private void println(PrintWriter out, String line) {
        String rest = line;
        while (!wide && rest.length() > WIDTH) {
            int cut = rest.lastIndexOf(' ', WIDTH);
            if (cut <= 6) {
                break;
            }
            out.println(rest.substring(0, cut));
            rest = "      " + rest.substring(cut + 1);
        }
        out.println(rest);
    }

    static String[] row(RunHistory.Run run) {
        return new String[] {TIME.format(run.started()), run.state().name()
                + (run.rerun() > 0 ? " (rerun " + run.rerun() + ")" : ""),
                run.rowsDone() + "/" + (run.inputRows() == null ? "?" : run.inputRows()), counts(run,
                locateReport(run)), run.identity().environment() + " " + run.apiUrl(), run.inputFile(),
                run.inputSha256(), locateReport(run).map(Path::toString).orElse(run.reportFile())};
    }

    /**
     * The run's own outcomes: those of the report bytes it committed, checked against their SHA-256, so that a
     * report moved away and replaced by another run's is never counted as this run's.
     */
    private static String counts(RunHistory.Run run, Optional<Path> report) {
        if (run.committedReportSha256() == null) {
            return "no rows yet";
        }
        if (report.isEmpty()) {
            return "no report (moved away, not found in done/)";
        }
        try {
            ReportFacts facts = ReportFacts.read(report.get(), run.committedReportBytes());
            return facts.sha256().equals(run.committedReportSha256()) ? facts.counts().toString()
                    : "report changed or replaced since";
        } catch (IOException | RuntimeException e) {
            return "report unreadable";
        }
    }

    /** The run's committed report bytes, read where the report is now, if they are still the same bytes. */
    private static Optional<ReportFacts> reportFacts(RunHistory.Run run, Optional<Path> report) {
        if (run.committedReportSha256() == null || report.isEmpty()) {
            return Optional.empty();
        }
        try {
            ReportFacts facts = ReportFacts.read(report.get(), run.committedReportBytes());
            return facts.sha256().equals(run.committedReportSha256()) ? Optional.of(facts) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
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
