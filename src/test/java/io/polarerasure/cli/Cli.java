package io.polarerasure.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import mockwebserver3.MockWebServer;
import picocli.CommandLine;

/** Runs the real command line in this JVM with a given environment and captures what it prints. */
final class Cli {

    /** What one invocation returned and printed. */
    record Result(int exitCode, String out, String err) {
        String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private Cli() {
    }

    /** The server's URL as --api-url takes it: scheme, host and port, without the trailing slash. */
    static String baseUrl(MockWebServer server) {
        return server.url("/").toString().replaceAll("/$", "");
    }

    static Result run(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = PolarErasureCommand.commandLine(environment);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = PolarErasureCommand.execute(commandLine, args);
        return new Result(code, out.toString(), err.toString());
    }
}
