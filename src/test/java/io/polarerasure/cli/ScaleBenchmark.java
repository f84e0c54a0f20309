package io.polarerasure.cli;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.polarerasure.fakepolar.FakePolar;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints figures, asserts nothing: run with {@code mvn -B -Pbenchmark test -Dtest=ScaleBenchmark}. Each
 * case runs the command line in a child JVM with {@code -Xmx128m}, as an operator would, against the
 * local stand-in for Polar with the limit off: rows/s (whole process, start-up included) and the peak
 * heap seen by the garbage collector. {@code -Dbench.scale.sizes=10000,100000,1000000} sets the sizes.
 */
@Tag("benchmark")
class ScaleBenchmark {

    private static final String TOKEN = "bench-token";
    private static final Pattern HEAP = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    @TempDir
    Path dir;

    @Test
    void memory_and_rows_per_second_by_file_size() throws Exception {
        String[] sizes = System.getProperty("bench.scale.sizes", "10000,100000").split(",");
        System.out.printf("%nMemory and scale (-Xmx128m, limit off, no latency)%n");
        System.out.println("rows | mode | seconds | rows/s | heap before GC, max MiB | live after GC, max MiB | exit");
        try (FakePolar polar = FakePolar.builder().token(TOKEN).allExist(true).rateLimit(Integer.MAX_VALUE)
                .keepRequests(false).build().start()) {
            for (String size : sizes) {
                int rows = Integer.parseInt(size.trim());
                Path input = requests(rows);
                for (boolean dry : new boolean[] {true, false}) {
                    List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--state-dir",
                            dir.resolve("state").toString(), "--progress", "0"));
                    args.addAll(dry ? List.of("--dry-run")
                            : List.of("--api-url", polar.baseUrl(), "--rate-limit", "1000000/s"));
                    Path gc = dir.resolve("gc-" + rows + (dry ? "-dry" : "") + ".log");
                    long start = System.nanoTime();
                    int exit = child(gc, args);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    long[] heap = heapMiB(gc);
                    System.out.printf("%d | %s | %.1f | %.0f | %d | %d | %d%n", rows, dry ? "dry run" : "real run",
                            seconds, rows / seconds, heap[0], heap[1], exit);
                }
            }
        }
    }

    @Test
    void start_up_to_the_first_request() throws Exception {
        try (FakePolar polar = FakePolar.builder().token(TOKEN).allExist(true).build().start()) {
            Path input = requests(1);
            for (int i = 0; i < 3; i++) {
                long start = System.currentTimeMillis();
                child(dir.resolve("gc-start.log"), List.of("run", "--input", input.toString(), "--state-dir",
                        dir.resolve("state-" + i).toString(), "--report", dir.resolve("start-" + i + ".csv").toString(),
                        "--api-url", polar.baseUrl(), "--progress", "0"));
                long first = polar.requests().get(i).time().toEpochMilli();
                System.out.printf("start-up: %d ms from launch to the first request%n", first - start);
            }
        }
    }

    /** The command line in a child JVM on the test class path, as `java -jar` would run it. */
    private int child(Path gcLog, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx128m", "-Xlog:gc:file=" + gcLog, "-cp", System.getProperty("java.class.path"),
                "io.polarerasure.PolarErasure"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile());
        builder.environment().put("POLAR_ACCESS_TOKEN", TOKEN);
        Process process = builder.start();
        if (!process.waitFor(Duration.ofMinutes(20).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    /** The most heap in use before a collection, and the most still live after one (what must stay flat). */
    private static long[] heapMiB(Path gcLog) throws IOException {
        long[] peak = new long[2];
        for (String line : Files.readAllLines(gcLog)) {
            Matcher heap = HEAP.matcher(line);
            if (heap.find()) {
                peak[0] = Math.max(peak[0], Long.parseLong(heap.group(1)));
                peak[1] = Math.max(peak[1], Long.parseLong(heap.group(2)));
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
