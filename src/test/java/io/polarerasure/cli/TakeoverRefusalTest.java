package io.polarerasure.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import io.polarerasure.fakepolar.FakePolar;
import io.polarerasure.job.OutcomeJournal;
import io.polarerasure.job.RunIdentity;
import io.polarerasure.kernel.ExitCodes;
import io.polarerasure.kernel.Sha256;
import io.polarerasure.polar.PolarSettings;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corrected command ({@code --api-url} fixed) after a run that reached the wrong URL: when that run keeps its
 * report, the refusal says why (which rows are in doubt or were settled there) and what to do next (issue 15/16).
 */
class TakeoverRefusalTest {

    private static final String TOKEN = "test-token";
    private static final Map<String, String> ENV = Map.of("POLAR_ACCESS_TOKEN", TOKEN);
    private static final Set<String> CUSTOMERS = Set.of("usr_1", "usr_2", "usr_3");

    @TempDir
    Path dir;

    @StartStop
    private final MockWebServer server = new MockWebServer();

    private FakePolar polar;
    private Path input;

    @BeforeEach
    void requestFile() throws IOException {
        input = Files.writeString(dir.resolve("requests.csv"), "external_id\nusr_1\nusr_2\nusr_3\nusr_4\n");
    }

    @AfterEach
    void stopPolar() {
        if (polar != null) {
            polar.close();
        }
    }

    @Test
    void a_request_in_doubt_is_named_by_row_with_what_to_do_next() throws IOException {
        server.setDispatcher(answering(request -> new MockResponse.Builder().code(200)
                .addHeader("Content-Type", "text/html").body("<html>welcome</html>").build()));
        assertThat(Cli.run(ENV, run(Cli.baseUrl(server))).exitCode()).isEqualTo(ExitCodes.REFUSED);
        // What a crash leaves when a DELETE was sent and its answer never recorded: it may have erased someone.
        String key = new RunIdentity(Sha256.of(input), PolarSettings.normalise(Cli.baseUrl(server))).key();
        try (OutcomeJournal journal = new OutcomeJournal(OutcomeJournal.fileFor(dir.resolve("state"), key),
                OutcomeJournal.currentBootId())) {
            journal.open(true, 1, 0);
            journal.markSending(1, 1, Instant.now());
        }
        polar = FakePolar.builder().token(TOKEN).customers(CUSTOMERS).build().start();

        Cli.Result right = Cli.run(ENV, run(polar.baseUrl()));

        assertThat(right.exitCode()).as(right.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(right.err()).contains("cannot take the report over: 1 request(s) in doubt, sent with no answer"
                + " recorded (row(s) 1)").contains("may have erased those customers")
                .contains("--api-url " + Cli.baseUrl(server) + " to finish it").contains("abandon --report");
        assertThat(polar.requests()).isEmpty();
    }

    @Test
    void rows_settled_at_the_old_url_are_named_with_what_to_do_next() throws IOException {
        AtomicInteger requests = new AtomicInteger();
        // Polar's own answer for two rows, then the token is revoked: those rows were settled there.
        server.setDispatcher(answering(request -> requests.incrementAndGet() <= 2
                ? json(404, "{\"error\":\"ResourceNotFound\",\"detail\":\"Not found\"}")
                : json(401, "{\"error\":\"invalid_token\",\"error_description\":\"revoked\"}")));
        assertThat(Cli.run(ENV, run(Cli.baseUrl(server), "--concurrency", "1")).exitCode())
                .isEqualTo(ExitCodes.REFUSED);
        polar = FakePolar.builder().token(TOKEN).customers(CUSTOMERS).build().start();

        Cli.Result right = Cli.run(ENV, run(polar.baseUrl()));

        assertThat(right.exitCode()).as(right.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(right.err()).contains("cannot take the report over: 2 answer(s) of " + Cli.baseUrl(server)
                + " kept in its journal after its checkpoint (row(s) 1, 2): those rows were settled there")
                .contains("--api-url " + Cli.baseUrl(server) + " to finish it").contains("abandon --report");
        assertThat(polar.requests()).isEmpty();
    }

    private String[] run(String apiUrl, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--api-url", apiUrl,
                "--state-dir", dir.resolve("state").toString(), "--rate-limit", "1000/s", "--progress", "0"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private static MockResponse json(int status, String body) {
        return new MockResponse.Builder().code(status).addHeader("Content-Type", "application/json").body(body)
                .build();
    }

    private static Dispatcher answering(java.util.function.Function<RecordedRequest, MockResponse> answer) {
        return new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return answer.apply(request);
            }
        };
    }
}
