package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.polarerasure.fakepolar.FakePolar;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/**
 * Full runs in this JVM at DEBUG level everywhere (Spring Batch, Hikari, H2, the HTTP exchanges included), with a
 * token shaped like a real Polar token, against a fake Polar that also answers 401 and, once, echoes the token
 * back: no byte of any output may hold it.
 */
class TokenSecrecyTest {

    private static final String[] DEBUG_LOGGERS = {
            "logging.level.root", "logging.level.io.polarerasure", "logging.level.org.springframework.batch"};

    // Built at run time: a literal shaped like a Polar token would trip secret scanning.
    private static final String TOKEN = "polar_oat_" + "Zq7".repeat(15);
    private static final String WRONG_TOKEN = "polar_oat_" + "Wx3".repeat(15);

    @TempDir
    Path dir;

    private final ByteArrayOutputStream systemOut = new ByteArrayOutputStream();
    private final ByteArrayOutputStream systemErr = new ByteArrayOutputStream();
    private final StringWriter commandOut = new StringWriter();
    private final StringWriter commandErr = new StringWriter();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @BeforeEach
    void captureEverything() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(systemOut, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(systemErr, true, StandardCharsets.UTF_8));
        for (String logger : DEBUG_LOGGERS) {
            System.setProperty(logger, "DEBUG");
        }
    }

    @AfterEach
    void restore() {
        for (String logger : DEBUG_LOGGERS) {
            System.clearProperty(logger);
        }
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    @Test
    void no_output_of_completed_refused_and_dry_runs_holds_the_token() throws IOException {
        Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        Files.setPosixFilePermissions(tokenFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try (FakePolar polar = FakePolar.builder().token(TOKEN).customers(Set.of("cus-1", "cus-2")).build().start()) {
            String api = polar.baseUrl();

            assertThat(run(Map.of(AccessToken.ENVIRONMENT_VARIABLE, TOKEN), "--input",
                    input("completed", "cus-1", "cus-2", "cus-3", "=HYPERLINK(\"x\")"), "--api-url", api))
                    .isEqualTo(ExitCodes.OK);
            assertThat(run(Map.of(AccessToken.ENVIRONMENT_VARIABLE, WRONG_TOKEN), "--input",
                    input("wrong-token", "cus-4"), "--api-url", api))
                    .isEqualTo(ExitCodes.REFUSED);
            // A misbehaving server (or proxy) that quotes the credentials it was sent.
            polar.enqueueFault(FakePolar.Fault.respond(401, "application/json", "{\"error\":\"invalid_token\","
                    + "\"error_description\":\"token " + TOKEN + " and " + WRONG_TOKEN + " revoked\"}", Map.of()));
            assertThat(run(Map.<String, String>of(), "--input", input("echoed", "cus-5"), "--api-url", api,
                    "--token-file", tokenFile.toString()))
                    .isEqualTo(ExitCodes.REFUSED);
            assertThat(run(Map.of(AccessToken.ENVIRONMENT_VARIABLE, TOKEN), "--input",
                    input("planned", "cus-6"), "--dry-run"))
                    .isEqualTo(ExitCodes.OK);
            assertThat(run(Map.of(AccessToken.ENVIRONMENT_VARIABLE, TOKEN), "--help")).isEqualTo(ExitCodes.OK);
            assertThat(run(Map.of(AccessToken.ENVIRONMENT_VARIABLE, TOKEN), "--input", input("refused-url", "cus-7"),
                    "--api-url", "http://" + TOKEN + ".example.com")).isEqualTo(ExitCodes.USAGE);
        }

        String everything = allOutput();
        // The debug HTTP log and the answer that echoed the token were really written, masked.
        assertThat(everything).contains("DELETE http://127.0.0.1").contains("token [redacted] and [redacted]")
                .contains("DEBUG");
        assertThat(everything).doesNotContain(TOKEN).doesNotContain(WRONG_TOKEN).doesNotContain("Zq7Zq7Zq7");
    }

    private int run(Map<String, String> environment, String... args) {
        CommandLine commandLine = PolarErasureCommand.commandLine(environment);
        commandLine.setOut(new PrintWriter(commandOut, true));
        commandLine.setErr(new PrintWriter(commandErr, true));
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--help")) {
            all.addAll(List.of("--state-dir", dir.resolve("state").toString(), "--rate-limit", "100/s"));
        }
        all.add(0, "run");
        return commandLine.execute(all.toArray(String[]::new));
    }

    private String input(String name, String... ids) throws IOException {
        return Files.writeString(dir.resolve(name + ".csv"), "external_id\n" + String.join("\n", ids) + "\n")
                .toString();
    }

    /** Streams, writers, and every file the runs left (reports, plans, locks), except the H2 database's own. */
    private String allOutput() throws IOException {
        System.out.flush();
        System.err.flush();
        StringBuilder all = new StringBuilder()
                .append(systemOut.toString(StandardCharsets.UTF_8))
                .append(systemErr.toString(StandardCharsets.UTF_8))
                .append(commandOut).append(commandErr);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = file.getFileName().toString();
                if (!name.endsWith(".db") && !name.equals("token")) {
                    all.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
                }
            }
        }
        return all.toString();
    }
}
