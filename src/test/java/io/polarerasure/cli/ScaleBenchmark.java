package io.polarerasure.cli;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.polarerasure.Workbooks;
import io.polarerasure.fakepolar.FakePolar;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints figures, asserts nothing: run with {@code mvn -B -Pbenchmark test -Dtest=ScaleBenchmark}. Each
 * case runs the command line in a child JVM with {@code -Xmx128m}, as an operator would, against the
 * local stand-in for Polar with the limit off: rows/s (whole process, start-up included), the most heap
 * in use before any collection, and the live set: a full collection is forced every second (with jcmd,
 * as an operator would look), and the largest heap left after one is the most the run really held.
 * {@code -Dbench.scale.sizes=10000,100000,1000000} sets the sizes, {@code -Dbench.scale.minutes} each child's deadline
 * (20; a child past it is killed and shows exit -1 and how many report lines it wrote).
 */
@Tag("benchmark")
class ScaleBenchmark {

    private static final String TOKEN = "bench-token";
    private static final Pattern HEAP = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");
    private static final Duration PROBE_EVERY = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    @Test
    void memory_and_rows_per_second_by_file_size() throws Exception {
        String[] sizes = System.getProperty("bench.scale.sizes", "10000,100000").split(",");
        System.out.printf("%nMemory and scale (-Xmx128m, limit off, no latency)%n");
        System.out.println("rows | mode | seconds | rows/s | heap in use, max MiB | live set (after a forced full GC"
                + " each second), max MiB | exit codes");
        try (FakePolar polar = FakePolar.builder().token(TOKEN).allExist(true).rateLimit(Integer.MAX_VALUE)
                .keepRequests(false).build().start()) {
            for (String size : sizes) {
                int rows = Integer.parseInt(size.trim());
                Path input = requests(rows);
                for (boolean dry : new boolean[] {true, false}) {
                    String name = rows + (dry ? "-dry" : "");
                    // Twice: timed without probes (each jcmd is a JVM start on 2 cores), then probed;
                    // -Dbench.scale.probedOnly=true runs (and times) the probed one only, for the largest files.
                    Path gc = dir.resolve("gc-" + name + ".log");
                    Path probedGc = dir.resolve("gc-" + name + "-probed.log");
                    long start = System.nanoTime();
                    int exit = Boolean.getBoolean("bench.scale.probedOnly") ? 0
                            : child(gc, List.of(), runArgs(input, dry, name, polar), false);
                    if (Boolean.getBoolean("bench.scale.probedOnly")) {
                        gc = probedGc;
                    }
                    double seconds = (System.nanoTime() - start) / 1e9;
                    long probedStart = System.nanoTime();
                    int probedExit = child(probedGc, List.of(), runArgs(input, dry, name + "-probed", polar), true);
                    if (Boolean.getBoolean("bench.scale.probedOnly")) {
                        seconds = (System.nanoTime() - probedStart) / 1e9;
                    }
                    System.out.printf("%d | %s | %.1f | %.0f | %d | %d | %d, %d%s%n", rows, dry ? "dry run" : "real run",
                            seconds, rows / seconds, heapMiB(gc)[0], heapMiB(probedGc)[1], exit, probedExit,
                            dry ? "" : " | report lines " + lines(dir.resolve("report-" + name + "-probed.csv")));
                }
            }
        }
    }

    /**
     * The same for {@code .xlsx} workbooks (one sheet, IDs as shared strings, all distinct, as Excel saves such a
     * list): {@code -Dbench.scale.xlsx.sizes=1000000}; {@code -Dbench.scale.xmx=192m} sets the child's heap.
     */
    @Test
    void memory_and_rows_per_second_of_workbooks() throws Exception {
        String[] sizes = System.getProperty("bench.scale.xlsx.sizes", "100000").split(",");
        System.out.printf("%n.xlsx memory and scale (-Xmx%s, limit off, no latency)%n",
                System.getProperty("bench.scale.xmx", "128m"));
        System.out.println("rows | mode | seconds | rows/s | heap in use, max MiB | live set (after a forced full GC"
                + " each second), max MiB | exit codes");
        try (FakePolar polar = FakePolar.builder().token(TOKEN).allExist(true).rateLimit(Integer.MAX_VALUE)
                .keepRequests(false).build().start()) {
            for (String size : sizes) {
                int rows = Integer.parseInt(size.trim());
                Path input = Workbooks.writeLarge(dir.resolve("requests-" + rows + ".xlsx"), rows,
                        i -> "scale_" + rows + "_" + i);
                for (boolean dry : new boolean[] {true, false}) {
                    String name = "xlsx-" + rows + (dry ? "-dry" : "");
                    Path gc = dir.resolve("gc-" + name + ".log");
                    long start = System.nanoTime();
                    int exit = child(gc, List.of(), runArgs(input, dry, name, polar), false);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    Path probedGc = dir.resolve("gc-" + name + "-probed.log");
                    int probedExit = child(probedGc, List.of(), runArgs(input, dry, name + "-probed", polar), true);
                    System.out.printf("%d | %s | %.1f | %.0f | %d | %d | %d, %d%n", rows, dry ? "dry run" : "real run",
                            seconds, rows / seconds, heapMiB(gc)[0], heapMiB(probedGc)[1], exit, probedExit);
                }
            }
        }
    }

    /** Lines in a report so far (a run stopped at the deadline shows how far it got). */
    private static long lines(Path report) throws IOException {
        if (!Files.exists(report)) {
            return 0;
        }
        try (var all = Files.lines(report)) {
            return all.count();
        }
    }

    /** A run of its own: state folder and report named after it. */
    private List<String> runArgs(Path input, boolean dry, String name, FakePolar polar) {
        List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--state-dir",
                dir.resolve("state-" + name).toString(), "--report", dir.resolve("report-" + name + ".csv").toString(),
                "--progress", "0"));
        args.addAll(dry ? List.of("--dry-run") : List.of("--api-url", polar.baseUrl(), "--rate-limit", "1000000/s"));
        return args;
    }

    /**
     * Launch to first request, three times each with the JVM's defaults and with only the C1 compiler.
     * (A class-data archive, AppCDS, cannot be tried here: it refuses class path folders such as
     * target/classes; see the README for its figures with the extracted jar.)
     */
    @Test
    void start_up_to_the_first_request() throws Exception {
        Map<String, List<String>> variants = new LinkedHashMap<>();
        variants.put("defaults", List.of());
        variants.put("-XX:TieredStopAtLevel=1", List.of("-XX:TieredStopAtLevel=1"));
        try (FakePolar polar = FakePolar.builder().token(TOKEN).allExist(true).build().start()) {
            Path input = requests(1);
            int run = 0;
            System.out.printf("%nStart-up: launch to the first request, ms%n");
            for (Map.Entry<String, List<String>> variant : variants.entrySet()) {
                List<Long> millis = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    int before = polar.requests().size();
                    long start = System.currentTimeMillis();
                    child(dir.resolve("gc-start.log"), variant.getValue(), startUpArgs(input, run++, polar), false);
                    millis.add(polar.requests().get(before).time().toEpochMilli() - start);
                }
                System.out.printf("%s: %s%n", variant.getKey(), millis);
            }
        }
    }

    private List<String> startUpArgs(Path input, int run, FakePolar polar) {
        return List.of("run", "--input", input.toString(), "--state-dir", dir.resolve("state-" + run).toString(),
                "--report", dir.resolve("start-" + run + ".csv").toString(), "--api-url", polar.baseUrl(),
                "--progress", "0");
    }

    /** The command line in a child JVM on the test class path, as `java -jar` would run it. */
    private int child(Path gcLog, List<String> jvmOptions, List<String> args, boolean probeLiveSet)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx" + System.getProperty("bench.scale.xmx", "128m"), "-Xlog:gc:file=" + gcLog));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.polarerasure.PolarErasure"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile());
        builder.environment().put("POLAR_ACCESS_TOKEN", TOKEN);
        Process process = builder.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(Long.getLong("bench.scale.minutes", 20)).toNanos();
        while (!process.waitFor(PROBE_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                return -1;
            }
            if (!probeLiveSet) {
                continue;
            }
            new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    String.valueOf(process.pid()), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
        if (process.exitValue() != 0) {
            List<String> log = Files.readAllLines(dir.resolve("child.log"));
            System.out.println("exit " + process.exitValue() + ": " + log.stream()
                    .filter(line -> !line.startsWith("\tat ")).limit(8).toList());
        }
        return process.exitValue();
    }

    /**
     * The most heap in use before any collection, and the most still live after a full one (what must
     * stay flat): young collections leave dead objects in the old generation, so only a full collection
     * measures the live set.
     */
    private static long[] heapMiB(Path gcLog) throws IOException {
        long[] peak = new long[2];
        for (String line : Files.readAllLines(gcLog)) {
            Matcher heap = HEAP.matcher(line);
            if (heap.find()) {
                peak[0] = Math.max(peak[0], Long.parseLong(heap.group(1)));
                if (line.contains("Pause Full")) {
                    peak[1] = Math.max(peak[1], Long.parseLong(heap.group(2)));
                }
            }
        }
        return peak;
    }

    private Path requests(int rows) throws IOException {
        Path input = dir.resolve("requests-" + rows + ".csv");
        try (Writer out = Files.newBufferedWriter(input, StandardCharsets.UTF_8)) {
            out.write("request_id,external_id\n");
            for (int i = 0; i < rows; i++) {
                out.write("R" + i + ",scale_" + rows + "_" + i + "\n");
            }
        }
        return input;
    }
}
