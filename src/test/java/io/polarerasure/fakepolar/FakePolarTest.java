package io.polarerasure.fakepolar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.polarerasure.fakepolar.FakePolar.Fault;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(5)
class FakePolarTest {

    private static final String TOKEN = "polar_oat_test";
    private static final String PATH = "/v1/customers/external/";
    private static final String NO_ROUTE = "{\"detail\":\"Not Found\"}";
    private static final String NOT_FOUND = "{\"error\":\"ResourceNotFound\",\"detail\":\"Not found\"}";

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<FakePolar> started = new ArrayList<>();

    @TempDir
    Path tmp;

    @AfterEach
    void stopFakes() {
        started.forEach(FakePolar::close);
    }

    private FakePolar start(FakePolar.Builder builder) throws IOException {
        FakePolar fake = builder.token(TOKEN).build().start();
        started.add(fake);
        return fake;
    }

    private HttpResponse<String> send(FakePolar fake, String method, String rawPathAndQuery,
                                      Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fake.baseUrl() + rawPathAndQuery))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(2));
        headers.forEach(request::header);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> delete(FakePolar fake, String rawSegment) throws Exception {
        return send(fake, "DELETE", PATH + rawSegment + "?anonymize=true", Map.of("Authorization", "Bearer " + TOKEN));
    }

    @Test
    void erases_a_live_customer_once_then_answers_resource_not_found() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("cus-1")));

        HttpResponse<String> first = delete(fake, "cus-1");
        HttpResponse<String> second = delete(fake, "cus-1");

        assertThat(first.statusCode()).isEqualTo(204);
        assertThat(first.body()).isEmpty();
        assertThat(first.headers().firstValue("Content-Type")).isEmpty();
        assertThat(second.statusCode()).isEqualTo(404);
        assertThat(second.body()).isEqualTo(NOT_FOUND);
        assertThat(second.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(fake.deletedIds()).containsExactly("cus-1");
        assertThat(fake.statusCounts()).containsExactly(Map.entry(204, 1L), Map.entry(404, 1L));
        FakePolar.Request seen = fake.requests().get(0);
        assertThat(seen.method()).isEqualTo("DELETE");
        assertThat(seen.rawPath()).isEqualTo(PATH + "cus-1?anonymize=true");
        assertThat(seen.externalId()).isEqualTo("cus-1");
        assertThat(seen.anonymize()).isTrue();
        assertThat(seen.authorizationPresent()).isTrue();
        assertThat(seen.status()).isEqualTo(204);
    }

    private HttpResponse<String> get(FakePolar fake, String rawSegment) throws Exception {
        return send(fake, "GET", PATH + rawSegment, Map.of("Authorization", "Bearer " + TOKEN));
    }

    @Test
    void looks_up_a_live_customer_as_polars_customer_object_and_erases_it_by_its_id() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("cus-1")));

        HttpResponse<String> found = get(fake, "cus-1");
        FakePolar.Customer customer = fake.customer("cus-1").orElseThrow();
        HttpResponse<String> erased = send(fake, "DELETE", "/v1/customers/" + customer.id() + "?anonymize=true",
                Map.of("Authorization", "Bearer " + TOKEN));
        HttpResponse<String> again = send(fake, "DELETE", "/v1/customers/" + customer.id() + "?anonymize=true",
                Map.of("Authorization", "Bearer " + TOKEN));

        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(found.body()).contains("\"id\":\"" + customer.id() + "\"").contains("\"external_id\":\"cus-1\"")
                .contains("\"created_at\":\"" + FakePolar.SEEDED_CREATED_AT + "\"");
        assertThat(erased.statusCode()).isEqualTo(204);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(get(fake, "cus-1").statusCode()).isEqualTo(404);
        assertThat(fake.erasedCustomers()).containsExactly(customer);
        assertThat(fake.requests()).extracting(FakePolar.Request::externalId).containsOnly("cus-1");
    }

    @Test
    void a_freed_id_is_taken_by_a_new_customer_at_once_or_after_a_delay() throws Exception {
        FakePolar atOnce = start(FakePolar.builder().customers(Set.of("a")).recreateFreedIds(Duration.ZERO));
        FakePolar later = start(FakePolar.builder().customers(Set.of("a")).recreateFreedIds(Duration.ofSeconds(2)));
        Instant before = Instant.now();

        delete(atOnce, "a");
        delete(later, "a");

        FakePolar.Customer newcomer = atOnce.customer("a").orElseThrow();
        assertThat(newcomer.createdAt()).isAfterOrEqualTo(before);
        assertThat(newcomer.id()).isNotEqualTo(atOnce.erasedCustomers().get(0).id());
        assertThat(later.customer("a")).isEmpty();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> later.customer("a").isPresent());
        assertThat(later.customer("a")).hasValueSatisfying(c -> assertThat(c.createdAt())
                .isAfterOrEqualTo(before.plusSeconds(2)));
        assertThat(delete(atOnce, "a").statusCode()).as("the new customer can be erased too").isEqualTo(204);
    }

    @Test
    void commit_then_drop_and_commit_then_504_erase_without_a_204() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("a", "b")));
        fake.enqueueFault(Fault.loseAnswer());
        fake.enqueueFault(Fault.gatewayTimeoutAfterCommit());

        assertThatThrownBy(() -> delete(fake, "a")).isInstanceOf(IOException.class);
        HttpResponse<String> timedOut = delete(fake, "b");

        assertThat(timedOut.statusCode()).isEqualTo(504);
        assertThat(fake.deletedIds()).containsExactly("a", "b");
    }

    @Test
    void lost_answer_and_gateway_timeout_rates_apply_to_erasures_only() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("a", "b")).gatewayTimeoutRate(1));

        assertThat(delete(fake, "nobody").statusCode()).isEqualTo(404);
        assertThat(delete(fake, "a").statusCode()).isEqualTo(504);
        assertThat(get(fake, "b").statusCode()).isEqualTo(200);
        assertThat(fake.deletedIds()).containsExactly("a");
    }

    @Test
    void records_a_delete_without_anonymize() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("cus-1")));

        send(fake, "DELETE", PATH + "cus-1?anonymize=false", Map.of("Authorization", "Bearer " + TOKEN));

        assertThat(fake.requests()).extracting(FakePolar.Request::anonymize).containsExactly(false);
    }

    @Test
    void matches_external_ids_exactly_and_case_sensitively() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("Cus-1")));

        assertThat(delete(fake, "cus-1").statusCode()).isEqualTo(404);
        assertThat(delete(fake, "Cus-1%20").statusCode()).isEqualTo(404);
        assertThat(delete(fake, "Cus-1").statusCode()).isEqualTo(204);
    }

    @Test
    void percent_decodes_the_id_and_keeps_plus_literal() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("é", "a b", "a+b", "50%")));

        assertThat(delete(fake, "%C3%A9").statusCode()).isEqualTo(204);
        assertThat(delete(fake, "a%20b").statusCode()).isEqualTo(204);
        assertThat(delete(fake, "a+b").statusCode()).isEqualTo(204);
        assertThat(delete(fake, "50%25").statusCode()).isEqualTo(204);
        assertThat(fake.deletedIds()).containsExactly("é", "a b", "a+b", "50%");
    }

    @Test
    void decodes_bad_utf8_to_replacement_characters_and_keeps_raw_bytes() {
        assertThat(FakePolar.percentDecode("%E9x%")).isEqualTo("\uFFFDx%");
        // How the JDK server hands over the raw UTF-8 bytes of "é": one char per byte.
        assertThat(FakePolar.percentDecode("\u00C3\u00A9")).isEqualTo("é");
    }

    @Test
    void answers_no_route_when_the_decoded_path_does_not_match() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("a/b", "a", "b")));

        for (String rawSegment : List.of("a%2Fb", "a%2fb", "a/b", "a/", "")) {
            HttpResponse<String> response = delete(fake, rawSegment);
            assertThat(response.statusCode()).as(rawSegment).isEqualTo(404);
            assertThat(response.body()).as(rawSegment).isEqualTo(NO_ROUTE);
        }
        Map<String, String> auth = Map.of("Authorization", "Bearer " + TOKEN);
        assertThat(send(fake, "PUT", PATH + "a", auth).body()).isEqualTo(NO_ROUTE);
        assertThat(send(fake, "GET", "/v1/customers/a", auth).body()).isEqualTo(NO_ROUTE);
        assertThat(send(fake, "DELETE", "/v1/customers/a", auth).body()).as("not a UUID").isEqualTo(NO_ROUTE);
        assertThat(send(fake, "DELETE", "/customers/external/a", auth).body()).isEqualTo(NO_ROUTE);
        assertThat(fake.deletedIds()).isEmpty();
        assertThat(fake.requests()).extracting(FakePolar.Request::externalId).containsOnlyNulls();
    }

    @Test
    void routes_on_the_decoded_path() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("a")));

        HttpResponse<String> response = send(fake, "DELETE", "/v1/customers%2Fexternal/a",
                Map.of("Authorization", "Bearer " + TOKEN));

        assertThat(response.statusCode()).isEqualTo(204);
    }

    @Test
    void answers_no_route_for_an_unknown_polar_version() throws Exception {
        FakePolar fake = start(FakePolar.builder().allExist(true));

        for (String version : List.of("2023-12", "2026-05", "2025-1", "2025-13", "latest", "")) {
            HttpResponse<String> response = send(fake, "DELETE", PATH + "x",
                    Map.of("Authorization", "Bearer " + TOKEN, "Polar-Version", version));
            assertThat(response.body()).as(version).isEqualTo(NO_ROUTE);
        }
        for (String version : List.of("2024-01", "2025-07", "2026-04")) {
            HttpResponse<String> response = send(fake, "DELETE", PATH + version,
                    Map.of("Authorization", "Bearer " + TOKEN, "Polar-Version", version));
            assertThat(response.statusCode()).as(version).isEqualTo(204);
        }
    }

    @Test
    void rejects_missing_and_wrong_tokens_without_deleting() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("a")));

        HttpResponse<String> missing = send(fake, "DELETE", PATH + "a", Map.of());
        HttpResponse<String> basic = send(fake, "DELETE", PATH + "a", Map.of("Authorization", "Basic " + TOKEN));
        HttpResponse<String> wrong = send(fake, "DELETE", PATH + "a", Map.of("Authorization", "Bearer nope"));

        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.body()).isEqualTo("{\"error\":\"Unauthorized\",\"detail\":\"Unauthorized\"}");
        assertThat(basic.body()).isEqualTo(missing.body());
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).isEqualTo("{\"error\":\"invalid_token\",\"error_description\":"
                + "\"The access token provided is expired, revoked, malformed, or invalid for other reasons.\"}");
        assertThat(fake.requests()).extracting(FakePolar.Request::authorizationPresent)
                .containsExactly(false, true, true);
        assertThat(fake.deletedIds()).isEmpty();
    }

    @Test
    void routes_before_checking_the_token() throws Exception {
        FakePolar fake = start(FakePolar.builder());

        assertThat(send(fake, "DELETE", "/v1/nothing", Map.of()).body()).isEqualTo(NO_ROUTE);
    }

    @Test
    void rate_limits_in_a_fixed_window_opened_by_the_first_request() throws Exception {
        AtomicLong now = new AtomicLong();
        FakePolar fake = start(FakePolar.builder().allExist(true)
                .rateLimit(2).window(Duration.ofSeconds(60)).nanoClock(now::get));

        assertThat(delete(fake, "a").statusCode()).isEqualTo(204);
        now.set(seconds(30));
        assertThat(delete(fake, "b").statusCode()).isEqualTo(204);
        now.set(seconds(59));
        HttpResponse<String> limited = delete(fake, "c");

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.body()).isEmpty();
        // The full window length, although only one second remains.
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("60");
        assertThat(limited.headers().map().keySet()).noneMatch(name -> name.toLowerCase().startsWith("x-ratelimit")
                || name.equalsIgnoreCase("Content-Type"));
        assertThat(fake.deletedIds()).containsExactly("a", "b");

        // Expired at 60 s; the next window opens at 90 s and lasts until 150 s, not 120 s.
        now.set(seconds(90));
        assertThat(delete(fake, "c").statusCode()).isEqualTo(204);
        now.set(seconds(100));
        assertThat(delete(fake, "d").statusCode()).isEqualTo(204);
        now.set(seconds(125));
        assertThat(delete(fake, "e").statusCode()).isEqualTo(429);
        now.set(seconds(150));
        assertThat(delete(fake, "e").statusCode()).isEqualTo(204);
    }

    @Test
    void spends_no_rate_limit_budget_on_unauthorized_or_unrouted_requests() throws Exception {
        FakePolar fake = start(FakePolar.builder().allExist(true).rateLimit(1).window(Duration.ofSeconds(60)));

        send(fake, "DELETE", PATH + "a", Map.of("Authorization", "Bearer nope"));
        send(fake, "DELETE", PATH + "a%2Fb", Map.of("Authorization", "Bearer " + TOKEN));

        assertThat(delete(fake, "a").statusCode()).isEqualTo(204);
        assertThat(delete(fake, "b").statusCode()).isEqualTo(429);
    }

    @Test
    void rounds_a_sub_second_retry_after_up_to_one() throws Exception {
        FakePolar fake = start(FakePolar.builder().allExist(true).rateLimit(1).window(Duration.ofMillis(300)));

        delete(fake, "a");

        assertThat(delete(fake, "b").headers().firstValue("Retry-After")).hasValue("1");
    }

    @Test
    void treats_every_id_not_yet_erased_as_live_in_all_exist_mode() throws Exception {
        FakePolar fake = start(FakePolar.builder().allExist(true));

        assertThat(delete(fake, "anything").statusCode()).isEqualTo(204);
        assertThat(delete(fake, "anything").statusCode()).isEqualTo(404);
        assertThat(delete(fake, "other").statusCode()).isEqualTo(204);
    }

    @Test
    void lets_an_erased_id_be_reused_by_a_new_customer() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("a")));
        delete(fake, "a");

        fake.addCustomer("a");

        assertThat(delete(fake, "a").statusCode()).isEqualTo(204);
        assertThat(fake.deletedIds()).containsExactly("a", "a");
    }

    @Test
    void answers_concurrent_requests_in_parallel_despite_latency() throws Exception {
        FakePolar fake = start(FakePolar.builder().allExist(true).latencyMillis(200).jitterMillis(20));
        long begin = System.nanoTime();

        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(fake.baseUrl() + PATH + "id-" + i))
                    .DELETE().header("Authorization", "Bearer " + TOKEN).build();
            responses.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).join();
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

        assertThat(responses).allSatisfy(response -> assertThat(response.join().statusCode()).isEqualTo(204));
        assertThat(elapsedMillis).isBetween(200L, 3000L); // serialised it would take over 6 s
    }

    @Test
    void fails_with_an_edge_html_page_at_the_configured_rate() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("a")).failRate(1));

        HttpResponse<String> response = delete(fake, "a");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/html");
        assertThat(response.body()).contains("<html>", "503 Service Temporarily Unavailable");
        assertThat(fake.deletedIds()).isEmpty();
    }

    @Test
    void repeats_the_same_failures_for_the_same_seed() throws Exception {
        assertThat(statusesWithSeed(42)).isEqualTo(statusesWithSeed(42)).contains(204, 503);
    }

    private List<Integer> statusesWithSeed(long seed) throws Exception {
        FakePolar fake = start(FakePolar.builder().allExist(true).failRate(0.5).seed(seed));
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            statuses.add(delete(fake, "id-" + i).statusCode());
        }
        return statuses;
    }

    @Test
    void answers_a_queued_fault_once_then_handles_normally() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("a")));
        fake.enqueueFault(Fault.serviceUnavailable());
        fake.enqueueFault(Fault.rateLimited(7));
        fake.enqueueFault(Fault.respond(502, "text/plain", "bad gateway", Map.of("X-Edge", "1")));

        HttpResponse<String> unavailable = delete(fake, "a");
        HttpResponse<String> limited = delete(fake, "a");
        HttpResponse<String> gateway = delete(fake, "a");
        HttpResponse<String> normal = delete(fake, "a");

        assertThat(unavailable.statusCode()).isEqualTo(503);
        assertThat(unavailable.body()).contains("<html>");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.body()).isEmpty();
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("7");
        assertThat(gateway.statusCode()).isEqualTo(502);
        assertThat(gateway.body()).isEqualTo("bad gateway");
        assertThat(gateway.headers().firstValue("X-Edge")).hasValue("1");
        assertThat(normal.statusCode()).isEqualTo(204);
        assertThat(fake.requests()).extracting(FakePolar.Request::status).containsExactly(503, 429, 502, 204);
    }

    @Test
    void still_deletes_after_a_delay_that_outlasted_the_client() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("a")));
        fake.enqueueFault(Fault.delay(Duration.ofMillis(300)));
        HttpRequest request = HttpRequest.newBuilder(URI.create(fake.baseUrl() + PATH + "a"))
                .DELETE().header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofMillis(100)).build();

        assertThatThrownBy(() -> client.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(fake.deletedIds()).isEmpty();
        awaitDeleted(fake, "a");
    }

    @Test
    void applies_the_delete_but_loses_the_answer() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("a")));
        fake.enqueueFault(Fault.loseAnswer());

        assertThatThrownBy(() -> delete(fake, "a")).isInstanceOf(IOException.class);

        assertThat(fake.deletedIds()).containsExactly("a");
        assertThat(fake.requests()).extracting(FakePolar.Request::status).containsExactly(0);
        assertThat(delete(fake, "a").body()).isEqualTo(NOT_FOUND);
    }

    @Test
    void drops_the_connection_before_deleting() throws Exception {
        FakePolar fake = start(FakePolar.builder().customers(Set.of("a")));
        fake.enqueueFault(Fault.dropConnection());

        assertThatThrownBy(() -> delete(fake, "a")).isInstanceOf(IOException.class);

        assertThat(fake.deletedIds()).isEmpty();
        assertThat(delete(fake, "a").statusCode()).isEqualTo(204);
    }

    @Test
    void appends_one_tab_separated_line_per_request_to_the_log() throws Exception {
        Path log = tmp.resolve("requests.log");
        FakePolar fake = start(FakePolar.builder().customers(Set.of("line\nbreak")).requestLog(log));

        delete(fake, "line%0Abreak");
        delete(fake, "a%2Fb");

        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z\tDELETE\t204\tline\\\\nbreak");
        assertThat(lines.get(1)).endsWith("\tDELETE\t404\t");
    }

    @Test
    void validates_settings_naming_the_bad_field() {
        assertThatThrownBy(() -> FakePolar.builder().rateLimit(0)).hasMessageContaining("rateLimit");
        assertThatThrownBy(() -> FakePolar.builder().window(Duration.ZERO)).hasMessageContaining("window");
        assertThatThrownBy(() -> FakePolar.builder().latencyMillis(-1)).hasMessageContaining("latencyMillis");
        assertThatThrownBy(() -> FakePolar.builder().jitterMillis(-1)).hasMessageContaining("jitterMillis");
        assertThatThrownBy(() -> FakePolar.builder().failRate(1.5)).hasMessageContaining("failRate");
        assertThatThrownBy(() -> FakePolar.builder().token(" ")).hasMessageContaining("token");
    }

    @Test
    void runs_from_the_command_line_and_stops_on_sigterm() throws Exception {
        Path portFile = tmp.resolve("port");
        Path customers = tmp.resolve("customers.txt");
        Path log = tmp.resolve("requests.log");
        Path output = tmp.resolve("stdout.txt");
        Files.writeString(customers, "\uFEFFcus-1\r\n\r\n  cus-2  \n", StandardCharsets.UTF_8);
        String java = ProcessHandle.current().info().command().orElse("java");
        String classes = Path.of(FakePolar.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Process process = new ProcessBuilder(java, "-cp", classes, FakePolar.class.getName(),
                "--port-file", portFile.toString(), "--customers", customers.toString(),
                "--token", TOKEN, "--log", log.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> Files.exists(portFile) || !process.isAlive());
            String base = "http://127.0.0.1:" + Files.readString(portFile).strip();
            List<Integer> statuses = new ArrayList<>();
            for (String id : List.of("cus-1", "cus-2", "cus-3")) {
                HttpRequest request = HttpRequest.newBuilder(URI.create(base + PATH + id))
                        .DELETE().header("Authorization", "Bearer " + TOKEN).build();
                statuses.add(client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
            }
            assertThat(statuses).containsExactly(204, 204, 404);
        } finally {
            process.destroy(); // SIGTERM
        }
        assertThat(process.waitFor(3, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(output)).startsWith("fake-polar listening on http://127.0.0.1:")
                .contains("fake-polar stopped; answers by status: {204=2, 404=1}")
                .doesNotContain(TOKEN);
        assertThat(Files.readAllLines(log)).hasSize(3);
    }

    private static long seconds(long s) {
        return TimeUnit.SECONDS.toNanos(s);
    }

    private static void awaitDeleted(FakePolar fake, String id) {
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
                .untilAsserted(() -> assertThat(fake.deletedIds()).contains(id));
    }
}
