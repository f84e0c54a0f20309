package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.kernel.ExitCodes;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


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
    private final StringBuilder commandOut = new StringBuilder();
    private final StringBuilder commandErr = new StringBuilder();
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
                    input("planned", "cus-6"), "--dry-run", "--api-url", api))
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

    @Test
    void a_token_echoed_json_and_url_escaped_is_written_nowhere_in_clear() throws Exception {
        // What no plain search finds: polar\u005foat\u005f\u005Aq7... in JSON, polar%5Foat%5F%5Aq7... in a URL.
        String jsonEscaped = TOKEN.replace("_", "\\u005f").replace("Z", "\\u005A");
        String urlEscaped = TOKEN.replace("_", "%5F").replace("q", "%71");
        Path state = dir.resolve("state");
        List<String> liveStatuses = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (running.get()) {
                try (Stream<Path> files = Files.isDirectory(state) ? Files.list(state) : Stream.empty()) {
                    for (Path file : files.filter(f -> f.getFileName().toString().startsWith("live-")).toList()) {
                        liveStatuses.add(Files.readString(file, StandardCharsets.ISO_8859_1));
                    }
                } catch (IOException e) {
                    // Replaced or removed while read: the next round sees the next one.
                }
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
            }
        });
        watcher.start();
        try (FakePolar polar = FakePolar.builder().token(TOKEN).customers(Set.of("cus-1")).build().start()) {
            String api = polar.baseUrl();
            // One request at a time, in row order: cus-1 answered by Polar (204), then cus-2's DELETE answered
            // 409 quoting the token JSON-escaped, then cus-3's DELETE and look-up 503 quoting it URL-escaped.
            polar.enqueueFault(FakePolar.Fault.delay(java.time.Duration.ZERO));
            polar.enqueueFault(FakePolar.Fault.respond(409, "application/json", "{\"detail\":\"token " + jsonEscaped
                    + " conflicts\"}", Map.of()));
            polar.enqueueFault(FakePolar.Fault.respond(503, "text/plain", "upstream rejected ?token=" + urlEscaped,
                    Map.of()));
            polar.enqueueFault(FakePolar.Fault.respond(503, "text/plain", "upstream rejected ?token=" + urlEscaped,
                    Map.of()));
            assertThat(run(Map.of(AccessToken.ENVIRONMENT_VARIABLE, TOKEN), "--input",
                    input("escaped", "cus-1", "cus-2", "cus-3"), "--api-url", api, "--concurrency", "1",
                    "--max-attempts", "2", "--progress", "1")).isEqualTo(ExitCodes.ROWS_FAILED);
            polar.enqueueFault(FakePolar.Fault.respond(401, "application/json", "{\"error\":\"invalid_token\","
                    + "\"error_description\":\"token " + jsonEscaped + " or " + urlEscaped + " revoked\"}", Map.of()));
            assertThat(run(Map.of(AccessToken.ENVIRONMENT_VARIABLE, TOKEN), "--input",
                    input("escaped-refused", "cus-4"), "--api-url", api)).isEqualTo(ExitCodes.REFUSED);
        } finally {
            running.set(false);
            watcher.join();
        }

        String report = Files.readString(dir.resolve("escaped.audit.csv"));
        assertThat(report).as("the echoes reached the report, masked").contains(",FAILED,409,")
                .contains(",FAILED,503,").contains("[redacted]");
        assertThat(Files.readString(dir.resolve("escaped.audit.csv.summary.html"))).contains("[redacted]");
        assertThat(liveStatuses).as("live status files seen during the runs").isNotEmpty();
        String everything = allOutput() + String.join("\n", liveStatuses);
        for (String form : List.of(TOKEN, jsonEscaped, urlEscaped, "Zq7Zq7Zq7", "u005Aq7", "Z%71")) {
            assertThat(everything).as("no trace of the token as " + form).doesNotContain(form);
        }
    }

    private int run(Map<String, String> environment, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--help")) {
            all.addAll(List.of("--state-dir", dir.resolve("state").toString(), "--rate-limit", "100/s"));
        }
        all.add(0, "run");
        Cli.Result result = Cli.run(environment, all.toArray(String[]::new));
        commandOut.append(result.out());
        commandErr.append(result.err());
        return result.exitCode();
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
