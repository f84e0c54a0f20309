package io.polarerasure.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.polarerasure.job.LiveStatus;
import io.polarerasure.job.RunOverview;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.Sha256;

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

    /** Built on first use: Jackson's start-up (about 0.15 s) is for {@code --format json} and live runs only. */
    private static final class Json {
        static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    }

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
        List<LiveStatus> live = LiveStatus.running(state.stateDir());
        if (state.jdbcUrl == null && !live.isEmpty()) {
            // The running process holds the embedded repository: one process opens H2 at a time.
            if (json) {
                out.println(Json.MAPPER.writeValueAsString(Map.of("runs", List.of(), "live", live)));
            } else {
                new StatusTable(out, wide).live(live);
            }
            return ExitCodes.OK;
        }
        if (state.embeddedRepositoryInUse()) {
            return repositoryInUse(json, out);
        }
        List<RunOverview> runs;
        ReadOnlyRepository opened;
        try {
            opened = ReadOnlyRepository.open(state);
        } catch (SpringContexts.RepositoryInUseException e) {
            // The check above raced a process that opened the repository just after it.
            return repositoryInUse(json, out);
        }
        try (ReadOnlyRepository repository = opened) {
            runs = RunOverview.load(repository.jobs(), repository.dataSource(), inputSha256, state.jdbcUrl != null,
                    state.stateDir());
        } catch (SQLException e) {
            throw new UsageException("Cannot read the journals in the job repository (" + state.describe() + "): "
                    + e.getMessage() + ". Check that the database answers, then run again.");
        }
        if (json) {
            List<Map<String, Object>> all = new ArrayList<>();
            for (RunOverview run : runs) {
                all.add(run.facts());
            }
            out.println(Json.MAPPER.writeValueAsString(Map.of("runs", all, "live", live)));
            return ExitCodes.OK;
        }
        if (runs.isEmpty()) {
            out.printf(input == null ? "No runs recorded in %s.%n" : "No run of " + input + " (SHA-256 "
                    + inputSha256 + ") is recorded in %s.%n", state.describe());
            return ExitCodes.OK;
        }
        new StatusTable(out, wide).runs(runs);
        return ExitCodes.OK;
    }

    /**
     * A process has the embedded repository open but keeps no live status (yet): a run in its first seconds or its
     * last, abandon, prune or another status. Opening it would fail.
     */
    private int repositoryInUse(boolean json, PrintWriter out) {
        String message = "Another polar-erasure process has the embedded job repository (" + state.describe()
                + ") open and has written no live status yet: a run starting or finishing, or abandon or prune."
                + " Run status again in a few seconds.";
        if (json) {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("runs", List.of());
            answer.put("live", List.of());
            answer.put("repositoryInUse", true);
            answer.put("message", message);
            out.println(Json.MAPPER.writeValueAsString(answer));
        } else {
            new StatusTable(out, wide).println(message);
        }
        return ExitCodes.OK;
    }
}
