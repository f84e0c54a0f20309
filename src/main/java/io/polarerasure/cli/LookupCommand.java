package io.polarerasure.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import javax.sql.DataSource;

import io.polarerasure.job.Ledger;
import io.polarerasure.job.RunHistory;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.polar.PolarEnvironment;
import io.polarerasure.polar.PolarSettings;
import io.polarerasure.report.Outcome;

import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lookup}: what the ledger of answers holds for some external IDs, and where the proof is. */
@Command(name = "lookup", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print, for each external ID, every answer the ledger holds: time (UTC), outcome, HTTP status,"
                + " API, run, report row and report path. The ledger keeps every definitive answer Polar gave this"
                + " tool (see the README's ledger section) until `prune` deletes it. An erasure counts only at the"
                + " API asked about: production unless --sandbox or --api-url says otherwise."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:an erasure (204, DELETED) at the API asked about is recorded for every ID",
            "1:some ID has no recorded erasure", "2:usage error, or the ID file or the repository cannot be read"})
final class LookupCommand implements Callable<Integer> {

    /** Prints each ID as a JSON string, so that spaces and control characters in it show. */
    /**
     * Built on first use: picocli makes every command when the tool starts, and Jackson's start-up (about 0.15 s)
     * would otherwise delay every command.
     */
    private static final class Json {
        static final JsonMapper QUOTED = JsonMapper.builder().build();
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--id", paramLabel = "ID", description = "An external ID, exactly as sent (repeatable).")
    List<String> ids = new ArrayList<>();

    @Option(names = "--ids-file", paramLabel = "FILE",
            description = "A UTF-8 file of external IDs, one per line, taken exactly (no trimming); blank lines are"
                    + " skipped.")
    Path idsFile;

    @Option(names = "--api-url", paramLabel = "URL", description = "Count erasures at this API base URL, as given"
            + " to the runs (default: " + RunOptions.PRODUCTION_URL + ").")
    String apiUrl;

    @Option(names = "--sandbox", description = "Count erasures at Polar's sandbox (" + RunOptions.SANDBOX_URL + ").")
    boolean sandbox;

    @Mixin
    StateOptions state;

    @Override
    public Integer call() {
        Set<String> asked = new LinkedHashSet<>(ids);
        if (idsFile != null) {
            asked.addAll(readIds(idsFile));
        }
        if (asked.isEmpty()) {
            throw new UsageException("Give at least one --id ID or an --ids-file FILE holding some.");
        }
        if (sandbox && apiUrl != null) {
            throw new UsageException("--sandbox and --api-url contradict each other: give only one.");
        }
        String api = PolarSettings.normalise(apiUrl != null ? apiUrl : sandbox ? RunOptions.SANDBOX_URL
                : RunOptions.PRODUCTION_URL);
        String at = api + " (" + PolarEnvironment.of(api).label() + ")";
        PrintWriter out = spec.commandLine().getOut();
        if (state.jdbcUrl == null && !Files.exists(state.stateDir())) {
            out.printf("No ledger: %s does not exist (give the --state-dir the runs used). No erasure is recorded"
                    + " for the %d ID%s asked about.%n", state.stateDir(), asked.size(),
                    asked.size() == 1 ? "" : "s");
            return ExitCodes.ROWS_FAILED;
        }
        int withoutErasure = 0;
        try (ConfigurableApplicationContext context = SpringContexts.openRepository(state, 2, Map.of())) {
            Ledger ledger = new Ledger(context.getBean(DataSource.class));
            Map<String, List<Ledger.Entry>> all = ledger.entriesFor(asked);
            for (String id : asked) {
                List<Ledger.Entry> entries = all.get(id);
                boolean erased = entries.stream().anyMatch(e -> e.outcome() == Outcome.DELETED && e.from(api));
                boolean erasedElsewhere = entries.stream().anyMatch(e -> e.outcome() == Outcome.DELETED
                        && !e.from(api));
                withoutErasure += erased ? 0 : 1;
                out.printf("%s: %s%n", Json.QUOTED.writeValueAsString(id), entries.isEmpty() ? "no entry in the ledger"
                        : (erased ? "erased at " + at : "no erasure recorded at " + at
                                + (erasedElsewhere ? "; erased only at another API, see below" : "")) + ", "
                                + entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies"));
                for (Ledger.Entry entry : entries) {
                    out.printf("  %s  %-9s  %s  %s  run %d (input SHA-256 %s) row %d  report %s%n",
                            entry.answeredAt(), entry.outcome(), entry.httpStatus() == null ? "-" : entry.httpStatus(),
                            entry.apiUrl() == null ? "API not recorded" : entry.apiUrl(), entry.jobInstanceId(),
                            entry.inputSha256(), entry.row(), entry.reportPath());
                }
            }
            if (withoutErasure > 0) {
                unfinishedRuns(context.getBean(JobRepository.class), out);
            }
        }
        out.printf("%d of %d ID%s with a recorded erasure at %s.%n", asked.size() - withoutErasure, asked.size(),
                asked.size() == 1 ? "" : "s", at);
        return withoutErasure == 0 ? ExitCodes.OK : ExitCodes.ROWS_FAILED;
    }

    /**
     * An unfinished run's answers since its last checkpoint are in its journal, not in the ledger, until it is
     * resumed or abandoned: an erasure among them is not listed, so a "no erasure recorded" may be out of date.
     */
    private static void unfinishedRuns(JobRepository repository, PrintWriter out) {
        for (RunHistory.Run run : new RunHistory(repository).all()) {
            if (!run.ended()) {
                out.printf("Note: the run of %s against %s (run %d, %s, report %s) is unfinished: the answers it got"
                                + " after its last checkpoint (row %d) are in its journal and reach the ledger when it"
                                + " is resumed (the same command again) or abandoned; an erasure among them is not"
                                + " listed above.%n", run.inputFile(), run.apiUrl(), run.runId(), run.state(),
                        run.reportFile(), run.rowsDone());
            }
        }
    }

    private static List<String> readIds(Path file) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
            List<String> read = new ArrayList<>();
            for (String line : (text.startsWith("\uFEFF") ? text.substring(1) : text).split("\r?\n")) {
                if (!line.isEmpty()) {
                    read.add(line);
                }
            }
            return read;
        } catch (CharacterCodingException e) {
            throw new UsageException("Cannot read the ID file " + file + ": it is not UTF-8 text. Save it as UTF-8,"
                    + " one external ID per line, and run again.");
        } catch (IOException e) {
            throw new UsageException("Cannot read the ID file " + file + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "). Check the path and run again.");
        }
    }
}
