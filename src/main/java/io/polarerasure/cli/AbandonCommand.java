package io.polarerasure.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;

import javax.sql.DataSource;

import io.polarerasure.job.Abandonment;
import io.polarerasure.job.InputSnapshot;
import io.polarerasure.job.Ledger;
import io.polarerasure.job.ProofOfErasure;
import io.polarerasure.job.RunHistory;
import io.polarerasure.job.RunLease;
import io.polarerasure.job.RunLock;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.report.ReportCounts;

import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ConfigurableApplicationContext;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code abandon}: closes an unfinished run that will not be resumed, so that its report is final and true. */
@Command(name = "abandon", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Close the unfinished (stopped, failed or crashed) run that owns a report, for when its file"
                + " will not be resumed: every answer its journal holds goes into the report as it was (DELETED only"
                + " with Polar's 204), rows sent without a recorded answer become FAILED (they may have erased the"
                + " customer), rows never sent become NOT_SENT. The run ends ABANDONED; its summary says so and"
                + " `verify` checks the report. Nothing is sent to Polar.",
                "If the run's report was deleted, a new one is written at its path: rows the run had committed come"
                        + " back from the ledger (FAILED, in doubt, where the ledger has no answer for them), and"
                        + " every line and the summary say that the original report was lost.",
                "Refused while another process runs the file."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the run was abandoned and its report and summary written",
                "1:the run was abandoned, but its report had been deleted and some committed rows could not be"
                        + " rebuilt from the ledger: they are FAILED, in doubt; look their IDs up at Polar",
                "2:no unfinished run owns the report, another process runs it, or its input or report is not the"
                        + " run's"})
final class AbandonCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--report", required = true, paramLabel = "FILE",
            description = "The report of the run to abandon (as `status` lists it).")
    Path report;

    @Option(names = "--reason", paramLabel = "TEXT", defaultValue = "abandoned by the operator",
            description = "Why, for the summary and the NOT_SENT rows (default: ${DEFAULT-VALUE}).")
    String reason;

    @Option(names = "--input", paramLabel = "FILE",
            description = "The run's request file, only needed when its copy in the state folder is missing (another"
                    + " state folder or machine): it must hash to the run's SHA-256.")
    Path input;

    @Mixin
    StateOptions state;

    private final Clock clock;

    AbandonCommand(Clock clock) {
        this.clock = clock;
    }

    @Override
    @SuppressWarnings("try") // the run lock is held by being open, never read
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path reportFile = report.toAbsolutePath();
        if (reason.isBlank() || reason.chars().anyMatch(Character::isISOControl)) {
            throw new UsageException("--reason must be one line of text, was '" + reason + "'.");
        }
        Path stateDir = state.ownerOnlyStateDir();
        try (ConfigurableApplicationContext context = SpringContexts.openRepository(state, 2, Map.of())) {
            JobRepository repository = context.getBean(JobRepository.class);
            RunHistory history = new RunHistory(repository);
            RunHistory.Run owner = unfinishedOwner(history, reportFile);
            DataSource dataSource = context.getBean(DataSource.class);
            // Refused while any process, on this machine or another host, holds the run.
            try (RunLock lock = RunLock.acquire(stateDir, owner.identity().key());
                 RunLease lease = new RunLease(owner.identity().key(), RunLease.DEFAULT_TTL)) {
                lease.acquire(dataSource);
                // Read again under the lock: the run may have moved on before it was taken.
                RunHistory.Run run = unfinishedOwner(history, reportFile);
                Path snapshot = InputSnapshot.fileFor(stateDir, run.identity().key());
                if (!Files.exists(snapshot)) {
                    snapshot = snapshotFromInput(run, stateDir, snapshot);
                }
                // Every answer abandon writes into the report goes into the ledger too (definitive ones only).
                Ledger ledger = new Ledger(dataSource);
                Abandonment.Result result = new Abandonment(repository, dataSource, clock,
                        lines -> ledger.recordAnswers(run.runId(), run.inputSha256(), run.apiUrl(), reportFile,
                                lines))
                        .abandon(run, stateDir, snapshot, reason);
                // The run adds nothing more: its committed chunks' pages join the per-entry table.
                ledger.file(run.runId());
                RunHistory.Run closed = history.owning(reportFile).orElseThrow();
                String rebuilt = result.rebuilt() ? "; the original report was lost (deleted) and rebuilt: "
                        + result.fromLedger() + " committed row(s) from the ledger, " + result.unknown() + " committed"
                        + " row(s) the ledger has no answer for written FAILED (in doubt)" : "";
                out.printf("Abandoned the run of %s (SHA-256 %s) against %s: %d answer(s) from its journal written as"
                                + " they were, %d row(s) sent without a recorded answer written FAILED, %d row(s)"
                                + " never sent written NOT_SENT%s.%n  %s%n  report: %s%n",
                        run.inputFile(), run.inputSha256(), run.apiUrl(), result.fromJournal(), result.inDoubt(),
                        result.notSent(), rebuilt, ReportCounts.read(reportFile), reportFile);
                if (result.unknown() > 0) {
                    out.printf("%d committed row(s) could not be rebuilt: the ledger holds no answer for them (FAILED"
                            + " in the lost report, or pruned). Whether those customers were erased is unknown: look"
                            + " their IDs up at Polar (`lookup --id ID`, or Polar's dashboard).%n", result.unknown());
                }
                int exitCode = result.unknown() > 0 ? ExitCodes.ROWS_FAILED : ExitCodes.OK;
                ProofOfErasure.record(closed, false, exitCode, clock, out,
                        new ProofOfErasure.Provenance(PolarErasureCommand.version(), state.describe(), reason + " (" + result.notSent()
                                + " row(s) never sent, " + result.inDoubt() + " sent without a recorded answer"
                                + rebuilt + ")", null));
                return exitCode;
            }
        }
    }

    private static RunHistory.Run unfinishedOwner(RunHistory history, Path reportFile) {
        RunHistory.Run run = history.owning(reportFile).orElseThrow(() -> new UsageException("No run recorded in"
                + " this job repository writes the report " + reportFile + ". Check --report (the path `status`"
                + " lists) and --state-dir / --jdbc-url."));
        if (run.ended()) {
            throw new UsageException("The run that owns " + reportFile + " is " + run.state() + " already; there is"
                    + " nothing to abandon.");
        }
        return run;
    }

    /** Copies the input back into the state folder, only if it is the run's content. */
    private Path snapshotFromInput(RunHistory.Run run, Path stateDir, Path snapshot) throws Exception {
        if (input == null) {
            throw new UsageException("The run's copy of its input (" + snapshot + ") is missing, so the rows it did"
                    + " not reach cannot be named. Give its request file with --input FILE (it must hash to "
                    + run.inputSha256() + ") and run again.");
        }
        InputSnapshot.Copy copy = InputSnapshot.copy(input, stateDir);
        if (!copy.sha256().equals(run.inputSha256())) {
            Files.deleteIfExists(copy.file());
            throw new UsageException(input + " is not the run's input: its SHA-256 is " + copy.sha256() + ", the"
                    + " run's is " + run.inputSha256() + ". Give the file the run was started with.");
        }
        return InputSnapshot.place(copy, snapshot);
    }
}
