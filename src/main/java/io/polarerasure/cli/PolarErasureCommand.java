package io.polarerasure.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

import io.polarerasure.job.RepositoryLoss;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.OperatorFault;
import io.polarerasure.secrets.Redaction;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code polar-erasure} command and its subcommands. */
@Command(name = "polar-erasure", mixinStandardHelpOptions = true, versionProvider = PolarErasureCommand.Version.class,
        description = "Carries out GDPR erasure requests against Polar (polar.sh) and writes an audit report.",
        subcommands = {RunCommand.class, AbandonCommand.class, StatusCommand.class, VerifyCommand.class,
                RetryFailedCommand.class, LookupCommand.class, PruneCommand.class,
                CommandLine.HelpCommand.class})
public final class PolarErasureCommand implements Runnable {

    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: use `run --input FILE`"
                + " (see --help).");
    }

    /** Runs the command line and returns the exit code. */
    public static int execute(String... args) {
        // A background thread's failure is one redacted line on stderr, not a stack trace that could carry a
        // secret. Out of memory anywhere (a library's writer thread, or main outside the command) ends the process
        // at once with exit 2, as a kill would: every answer is journaled, nothing more is sent.
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            if (outOfMemory(error)) {
                haltOutOfMemory();
            }
            System.err.println("polar-erasure: thread " + thread.getName() + " failed: "
                    + Redaction.redact(String.valueOf(error)));
        });
        try {
            return execute(commandLine(System.getenv()), args);
        } catch (RuntimeException | Error e) {
            if (outOfMemory(e)) {
                haltOutOfMemory();
            }
            throw e;
        }
    }

    /** Built before it is needed: out of heap, even this message may not be buildable. */
    private static final String OUT_OF_MEMORY = "polar-erasure: out of memory: raise -Xmx (JAVA_TOOL_OPTIONS) or"
            + " split the file. Nothing more was sent; rows already in the report are kept, and the same command"
            + " resumes the run once it has more memory.";

    private static void haltOutOfMemory() {
        System.err.println(OUT_OF_MEMORY);
        System.err.flush();
        Runtime.getRuntime().halt(ExitCodes.USAGE);
    }

    /**
     * Runs {@code commandLine}; an {@link OutOfMemoryError} anywhere (picocli lets errors through) exits
     * {@link ExitCodes#USAGE} with what to do instead of a stack trace and exit 1 ("some rows FAILED").
     */
    static int execute(CommandLine commandLine, String... args) {
        try {
            return commandLine.execute(args);
        } catch (OutOfMemoryError e) {
            return outOfMemory(commandLine.getErr());
        }
    }

    /** The message and exit code for a run out of heap; nothing more is sent (the eraser was stopped). */
    static int outOfMemory(PrintWriter err) {
        err.println("polar-erasure: out of memory (Java heap " + Runtime.getRuntime().maxMemory() / 1048576
                + " MiB): raise -Xmx (JAVA_TOOL_OPTIONS) or split the file. Nothing more was sent; rows already in"
                + " the report are kept, and the same command resumes the run once it has more memory.");
        err.flush();
        return ExitCodes.USAGE;
    }

    /** Whether {@code error} or one of its causes is an {@link OutOfMemoryError}. */
    static boolean outOfMemory(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }

    /** The command line, reading the token and settings from this environment. */
    static CommandLine commandLine(Map<String, String> environment) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                if (type == RunCommand.class) {
                    return type.cast(new RunCommand(environment, Clock.systemUTC()));
                }
                return type == AbandonCommand.class ? type.cast(new AbandonCommand(Clock.systemUTC()))
                        : defaults.create(type);
            }
        };
        CommandLine commandLine = new CommandLine(new PolarErasureCommand(), factory);
        // An argument that starts with @ is a file name like any other (a request file "@home.csv"), never a file of
        // more arguments to read: picocli's default would take options (an --api-url) from inside such a file.
        commandLine.setExpandAtFiles(false);
        ResumeHints hints = ResumeHints.of(environment);
        commandLine.setExecutionExceptionHandler((error, line, parsed) -> handle(error, line, hints));
        commandLine.setExitCodeExceptionMapper(error -> ExitCodes.USAGE);
        commandLine.setParameterExceptionHandler(PolarErasureCommand::usageError);
        return commandLine;
    }

    /**
     * A command line that does not parse: the error, picocli's suggestions for a misspelt option, what an argument
     * without an option was probably meant as (every value here is given with its option: {@code lookup --id X},
     * {@code verify --report FILE}), and where the options are, instead of the whole help page. Exit 2.
     */
    private static int usageError(CommandLine.ParameterException error, String[] args) {
        CommandLine command = error.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("polar-erasure: " + error.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(error, err);
        boolean subcommand = command.getParent() != null;
        if (subcommand && error instanceof CommandLine.UnmatchedArgumentException unmatched
                && unmatched.getUnmatched().stream().noneMatch(arg -> arg.startsWith("-"))) {
            String hint = switch (command.getCommandName()) {
                case "lookup" -> "external IDs are given with --id ID (repeatable) or --ids-file FILE";
                case "verify", "abandon", "retry-failed" -> "the report is given with --report FILE";
                case "run" -> "the request file is given with --input FILE";
                default -> "every value is given with its option";
            };
            err.println("polar-erasure: " + hint + ".");
        }
        err.println("polar-erasure: `polar-erasure " + (subcommand ? command.getCommandName() + " " : "")
                + "--help` lists the " + (subcommand ? "options" : "commands") + ". Nothing was done.");
        return ExitCodes.USAGE;
    }

    /**
     * Our own whole-run faults ({@link OperatorFault}): their message and exit code (2 when nothing was sent); a lost
     * job repository and anything else: resumable, exit 3.
     */
    private static int handle(Exception error, CommandLine commandLine, ResumeHints hints) {
        PrintWriter err = hints.wrap(commandLine.getErr());
        if (outOfMemory(error)) {
            return outOfMemory(err);
        }
        if (error instanceof OperatorFault fault) {
            // Our own whole-run fault: its message says what to do (fix the option, wait, retry later).
            err.println("polar-erasure: " + Redaction.redact(fault.getMessage()));
            return fault.exitCode();
        }
        Optional<String> lost = RepositoryLoss.of(error);
        if (lost.isPresent()) {
            err.println("polar-erasure: " + lost.get() + ", then re-run the same command to resume; nothing already"
                    + " in the report is lost.");
            return ExitCodes.RESUMABLE;
        }
        err.println("polar-erasure: unexpected error: " + Redaction.redact(error.toString()));
        err.println("Nothing already in the report is lost. Re-run the same command to resume; if this repeats,"
                + " keep this output for the engineer on call.");
        return ExitCodes.RESUMABLE;
    }

    /** The exit code of an invocation that ended with {@code error}: its own for an {@link OperatorFault}. */
    static int exitCodeOf(Exception error) {
        return error instanceof OperatorFault fault ? fault.exitCode() : ExitCodes.RESUMABLE;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"polar-erasure " + version()};
        }
    }

    /** The version written into the jar's manifest, or {@code dev} when run from the IDE. */
    static String version() {
        String version = PolarErasureCommand.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
