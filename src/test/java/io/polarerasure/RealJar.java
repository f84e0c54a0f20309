package io.polarerasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.polarerasure.fakepolar.FakePolar;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one harness for tests of the packaged jar (and of the scripts in jobs/ that start it): starts child
 * processes, each printing into its own log file under the test's folder, waits for them with a time limit, stops
 * them with SIGTERM, kill -9 or another signal, and gives every log for failure messages. Registered as a field
 * with {@code @RegisterExtension}, so each test gets its own and whatever a failed test left running is killed after
 * it; not thread-safe.
 */
public final class RealJar implements AfterEachCallback {

    /** The jar under test: the one failsafe names, else the one `mvn package` builds. */
    public static final Path JAR = Path.of(System.getProperty("polarErasure.jar", "target/polar-erasure.jar"))
            .toAbsolutePath();
    /** The java launcher of the JVM running the tests. */
    public static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    /** Start-up dominates these runs: C1 alone and the serial collector start fastest. */
    public static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private final Supplier<Path> dir;
    private final Duration timeout;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final List<String> jvmOptions = new ArrayList<>(QUICK_START);
    private final List<Path> logs = new ArrayList<>();
    private final List<Process> started = new ArrayList<>();

    /**
     * @param dir     the default working folder of every child and where their logs go ({@code run-<n>.log}), asked
     *                for at each start: the test's {@code @TempDir}, which is set after the extension is made
     * @param timeout how long a child may run before {@link #finish} kills it and fails the test; also the limit of
     *                each wait
     */
    public RealJar(Supplier<Path> dir, Duration timeout) {
        this.dir = dir;
        this.timeout = timeout;
    }

    /** Sets a variable in the environment of every child started from now on; {@code null} removes it. */
    public RealJar env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Replaces the JVM options of the jar's children ({@link #QUICK_START} unless set). */
    public RealJar jvmOptions(String... options) {
        jvmOptions.clear();
        jvmOptions.addAll(List.of(options));
        return this;
    }

    /** Starts {@code java -jar JAR args} in the test's folder. */
    public Process start(String... args) throws IOException {
        return start(dir.get(), Map.of(), args);
    }

    /**
     * Starts {@code java -jar JAR args} in a folder, with variables added to (or, when {@code null}, removed from)
     * the environment set by {@link #env}.
     */
    public Process start(Path folder, Map<String, String> variables, String... args) throws IOException {
        assertThat(JAR).as("the jar under test; run `mvn verify`, which builds it first").isRegularFile();
        List<String> command = new ArrayList<>(List.of(JAVA));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
        command.addAll(List.of(args));
        return startCommand(folder, variables, command);
    }

    /** Starts any command (a script of jobs/ that starts the jar) the way {@link #start(Path, Map, String...)} does. */
    public Process startCommand(Path folder, Map<String, String> variables, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true);
        Map<String, String> all = new LinkedHashMap<>(environment);
        all.putAll(variables);
        all.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        Path log = Files.createDirectories(dir.get()).resolve("run-" + logs.size() + ".log");
        builder.redirectOutput(log.toFile());
        logs.add(log);
        Process process = builder.start();
        started.add(process);
        return process;
    }

    /** Starts the jar in the test's folder and waits for it: its exit code. */
    public int run(String... args) throws IOException, InterruptedException {
        return finish(start(args));
    }

    /** Starts the jar as {@link #start(Path, Map, String...)} does and waits for it: its exit code. */
    public int run(Path folder, Map<String, String> variables, String... args)
            throws IOException, InterruptedException {
        return finish(start(folder, variables, args));
    }

    /** Waits for a child to end and returns its exit code; kills it and fails the test after the time limit. */
    public int finish(Process child) throws InterruptedException {
        if (!child.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            child.destroyForcibly().waitFor();
            throw new AssertionError("the run did not end within " + timeout + "\n" + log());
        }
        return child.exitValue();
    }

    /** Sends SIGTERM and returns the exit code, printing how long the stop took. */
    public int terminate(Process child, String what) throws InterruptedException {
        long started = System.nanoTime();
        child.destroy();
        int code = finish(child);
        System.out.printf("%s: exit %d after %d ms%n", what, code,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return code;
    }

    /** kill -9, and waits until the child is gone. */
    public static void kill(Process child) throws InterruptedException {
        child.destroyForcibly().waitFor();
    }

    /** Sends a signal by name ({@code STOP}, {@code CONT}) with kill(1). */
    public static void signal(String name, Process child) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(child.pid())).start().waitFor()).isZero();
    }

    /**
     * Waits, polling every millisecond, until the condition holds or the child has ended: whether the condition
     * held. Fails the test when neither happens within the time limit.
     */
    public boolean awaitWhileRunning(Process child, String what, BooleanSupplier condition) {
        await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> condition.getAsBoolean() || !child.isAlive());
        return condition.getAsBoolean();
    }

    /** Waits until the fake has answered this many requests in all; false if the child ended before. */
    public boolean awaitRequests(FakePolar fake, int count, Process child) {
        return awaitWhileRunning(child, count + " requests answered", () -> fake.requests().size() >= count);
    }

    /** Everything the children of this test printed, for failure messages. */
    public String log() {
        StringBuilder all = new StringBuilder("output of the runs:");
        for (Path log : logs) {
            all.append("\n--- ").append(log.getFileName()).append('\n').append(read(log));
        }
        return all.toString();
    }

    /** What the n-th child (from 0) printed. */
    public String log(int child) {
        return read(logs.get(child));
    }

    /** What this child printed. */
    public String log(Process child) {
        return log(started.indexOf(child));
    }

    /** What the child started last printed. */
    public String lastLog() {
        return log(logs.size() - 1);
    }

    /** Kills the children still running: those a failed test left behind. */
    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        for (Process child : started) {
            if (child.isAlive()) {
                kill(child);
            }
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
