package io.polarerasure.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The anchor of the benchmarks: what a user would write instead of the job, a plain OkHttp loop sending one DELETE
 * per ID with a fixed number of threads, nothing read, journaled or reported. Run in a JVM of its own, as the job
 * is: {@code java -cp <test class path> io.polarerasure.cli.PlainLoop BASE_URL ROWS CONCURRENCY PREFIX TOKEN}.
 */
public final class PlainLoop {

    private PlainLoop() {
    }

    public static void main(String[] args) throws Exception {
        String baseUrl = args[0];
        int rows = Integer.parseInt(args[1]);
        int concurrency = Integer.parseInt(args[2]);
        String prefix = args[3];
        String token = args[4];
        OkHttpClient client = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Future<?>> futures = new ArrayList<>();
        for (int worker = 0; worker < concurrency; worker++) {
            int first = worker;
            futures.add(pool.submit(() -> {
                for (int i = first; i < rows; i += concurrency) {
                    Request request = new Request.Builder().url(baseUrl + "/v1/customers/external/" + prefix + i
                            + "?anonymize=true").delete().header("Authorization", "Bearer " + token).build();
                    try (Response response = client.newCall(request).execute()) {
                        response.body().bytes();
                    }
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get();
        }
        pool.shutdown();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}
