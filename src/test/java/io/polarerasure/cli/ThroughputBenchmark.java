package io.polarerasure.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.polarerasure.fakepolar.FakePolar;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints figures, asserts nothing: run with {@code mvn -B -Pbenchmark test}. Each case runs the
 * whole job in-process against the local stand-in for Polar with a simulated, jittered latency.
 * <ul>
 *   <li>Rate saturation: requests/s achieved (from the server's arrival times, so JVM and Spring
 *       start-up are excluded) divided by the configured limit, and the most requests any sliding
 *       1 s and 10 s window saw at the server (arrival jitter included).</li>
 *   <li>Overhead: with the limit effectively off and no latency, rows/s of the whole job (reading,
 *       journal, report, checkpoints) against a plain OkHttp loop with the same concurrency, in a JVM of its own
 *       (the job runs in this one; {@link PerformanceBenchmark} runs both in JVMs of their own).</li>
 * </ul>
 */
@Tag("benchmark")
class ThroughputBenchmark {

    private static final String TOKEN = "bench-token";

    @TempDir
    Path dir;

    @Test
    void rate_saturation() throws IOException {
        int rate = Integer.getInteger("bench.rate", 20);
        int rows = Integer.getInteger("bench.rows", rate * 20);
        System.out.printf("%nRate saturation: %d rows at --rate-limit %d/s, repository %s%n", rows, rate, repository());
        System.out.println("latency ms | concurrency | chunk | achieved req/s | ratio | max in any 1 s window"
                + " | max in any 10 s window");
        for (int latency : new int[] {20, 150, 400}) {
            for (String concurrency : new String[] {"4", "8", "auto"}) {
                saturation(rows, rate, latency, concurrency);
            }
        }
    }

    /**
     * Polar's real limit, 500/min, at 150 ms latency with the default concurrency: what keeping the journal in the
     * job repository (with {@code -Dbench.jdbcUrl}) costs against the file journal of the embedded H2.
     */
    @Test
    void at_polars_limit() throws IOException {
        int rows = Integer.getInteger("bench.rows", 500);
        try (FakePolar polar = FakePolar.builder().token(TOKEN).allExist(true).rateLimit(Integer.MAX_VALUE)
                .latencyMillis(112).jitterMillis(75).build().start()) {
            Path input = requests(rows, "limit");
            Cli.Result result = Cli.run(environment(), withRepository("run", "--input", input.toString(),
                    "--api-url", polar.baseUrl(), "--rate-limit", "500/min"));
            if (result.exitCode() != 0) {
                throw new IllegalStateException(result.all());
            }
            List<Instant> times = polar.requests().stream().map(FakePolar.Request::time).sorted().toList();
            double achieved = (times.size() - 1) / (Duration.between(times.get(0), times.get(times.size() - 1))
                    .toNanos() / 1e9);
            System.out.printf("%nAt 500/min, 150 ms, concurrency 4, %d rows, repository %s: %.3f req/s, ratio %.3f,"
                    + " max in any 60 s window %d%n", rows, repository(), achieved, achieved / (500 / 60.0),
                    maxInWindow(times, Duration.ofSeconds(60)));
        }
    }

    /**
     * The job repository of the runs: the embedded H2 (journal in a file), or with {@code -Dbench.jdbcUrl=...}
     * a PostgreSQL one (journal in the database; user from SPRING_DATASOURCE_USERNAME, default postgres).
     */
    private String[] withRepository(String... args) {
        String jdbcUrl = System.getProperty("bench.jdbcUrl");
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--state-dir", dir.resolve("state").toString()));
        if (jdbcUrl != null) {
            all.addAll(List.of("--jdbc-url", jdbcUrl));
        }
        return all.toArray(String[]::new);
    }

    private static Map<String, String> environment() {
        String user = System.getenv().getOrDefault("SPRING_DATASOURCE_USERNAME", "postgres");
        return Map.of("POLAR_ACCESS_TOKEN", TOKEN, "SPRING_DATASOURCE_USERNAME", user);
    }

    private static String repository() {
        return System.getProperty("bench.jdbcUrl", "embedded H2");
    }

    private void saturation(int rows, int rate, int latency, String concurrency) throws IOException {
        try (FakePolar polar = FakePolar.builder().token(TOKEN).allExist(true).rateLimit(Integer.MAX_VALUE)
                .latencyMillis(latency * 3L / 4).jitterMillis(latency / 2).build().start()) {
            Path input = requests(rows, "sat-" + latency + "-" + concurrency);
            Cli.Result result = Cli.run(environment(), withRepository("run", "--input", input.toString(),
                    "--api-url", polar.baseUrl(), "--rate-limit", rate + "/s", "--concurrency", concurrency));
            if (result.exitCode() != 0) {
                throw new IllegalStateException(result.all());
            }
            List<Instant> times = polar.requests().stream().map(FakePolar.Request::time).sorted().toList();
            double seconds = Duration.between(times.get(0), times.get(times.size() - 1)).toNanos() / 1e9;
            double achieved = (times.size() - 1) / seconds;
            System.out.printf("%10d | %11s | %5s | %14.2f | %5.3f | %d (limit %d) | %d (limit %d)%n", latency,
                    concurrency, chunkOf(result), achieved, achieved / rate, maxInWindow(times, Duration.ofSeconds(1)),
                    rate, maxInWindow(times, Duration.ofSeconds(10)), rate * 10);
        }
    }

    /**
     * Alternates the plain loop and the job for several rounds, each on fresh rows, and prints each
     * round's ratio and their median: on 2 shared cores a single pair varies by ±10 %.
     */
    @Test
    void overhead_against_a_plain_okhttp_loop() throws Exception {
        int rows = Integer.getInteger("bench.rows", 20_000);
        int rounds = Integer.getInteger("bench.rounds", 3);
        int concurrency = 4;
        try (FakePolar polar = FakePolar.builder().token(TOKEN).allExist(true).rateLimit(Integer.MAX_VALUE)
                .build().start()) {
                        System.out.printf("%nOverhead: %d rows, concurrency %d, no latency, no limit, repository %s%n", rows,
                    concurrency, repository());
            System.out.println("round | plain OkHttp rows/s | job rows/s (first to last request) | job s with start-up"
                    + " | ratio");
            List<Double> ratios = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                double plainSeconds = plainLoop(polar, rows, concurrency);
                Path input = requests(rows, "overhead" + round);
                int before = polar.requests().size();
                long start = System.nanoTime();
                Cli.Result result = Cli.run(environment(), withRepository("run", "--input", input.toString(),
                        "--api-url", polar.baseUrl(), "--rate-limit", "1000000/s", "--concurrency",
                        String.valueOf(concurrency)));
                double wholeSeconds = (System.nanoTime() - start) / 1e9;
                if (result.exitCode() != 0) {
                    throw new IllegalStateException(result.all());
                }
                // The job's span at the server: from its first request to its last, start-up excluded.
                List<Instant> times = polar.requests().subList(before, before + rows).stream()
                        .map(FakePolar.Request::time).sorted().toList();
                double jobSeconds = Duration.between(times.get(0), times.get(rows - 1)).toNanos() / 1e9;
                ratios.add(plainSeconds / jobSeconds);
                System.out.printf("%5d | %19.0f | %34.0f | %19.1f | %.2f%n", round, rows / plainSeconds,
                        rows / jobSeconds, wholeSeconds, plainSeconds / jobSeconds);
            }
            System.out.printf("median ratio %.2f%n", ratios.stream().sorted().toList().get(rounds / 2));
        }
    }

    /**
     * The plain loop ({@link PlainLoop}) in a JVM of its own, as a user would run it: its seconds from first to
     * last request at the server, start-up excluded.
     */
    private static double plainLoop(FakePolar polar, int rows, int concurrency) throws Exception {
        int before = polar.requests().size();
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), PlainLoop.class.getName(), polar.baseUrl(),
                Integer.toString(rows), Integer.toString(concurrency), "plain_" + before + "_", TOKEN)
                .inheritIO().start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("the plain loop exited " + process.exitValue());
        }
        List<Instant> times = polar.requests().subList(before, before + rows).stream().map(FakePolar.Request::time)
                .sorted().toList();
        return Duration.between(times.get(0), times.get(rows - 1)).toNanos() / 1e9;
    }

    private Path requests(int rows, String name) throws IOException {
        Path input = dir.resolve(name + ".csv");
        Files.writeString(input, IntStream.range(0, rows).mapToObj(i -> name + "_" + i)
                .collect(Collectors.joining("\n", "external_id\n", "\n")));
        return input;
    }

    /** The most requests of {@code sorted} send times that fall in any one window of this length. */
    static int maxInWindow(List<Instant> sorted, Duration window) {
        int best = 0;
        int from = 0;
        for (int to = 0; to < sorted.size(); to++) {
            while (Duration.between(sorted.get(from), sorted.get(to)).compareTo(window) >= 0) {
                from++;
            }
            best = Math.max(best, to - from + 1);
        }
        return best;
    }

    private static String chunkOf(Cli.Result result) {
        return result.out().replaceAll("(?s).*chunk size (\\d+).*", "$1").replaceAll("(?s).*\\D.*", "?");
    }
}
