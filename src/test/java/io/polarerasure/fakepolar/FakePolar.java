package io.polarerasure.fakepolar;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * A local stand-in for Polar's customer-erasure endpoints (DELETE and GET by external ID, DELETE by
 * customer id), answering exactly as /work/shared/polar-api.md describes. Customers have a UUID and a
 * {@code created_at}; an erased customer frees its external ID, which a new customer may take again
 * ({@link Builder#recreateFreedIds}), with a new id and a fresh {@code created_at}. Uses only the JDK so it runs from tests and as a
 * single-file program: {@code java FakePolar.java --port 0 --port-file /tmp/port}.
 *
 * <p>Handling order, as in Polar: routing (on the percent-decoded path and the
 * {@code Polar-Version} header), then authentication, then the rate limit, then the lookup.
 * So 404 no-route and 401 answers never consume rate-limit budget. Thread-safe.
 *
 * <p>Known gap: the JDK server itself answers 400 to request targets that
 * {@link java.net.URI} rejects, e.g. a raw {@code [} or {@code ]} (which OkHttp leaves
 * unencoded in path segments) or a malformed {@code %} escape; real Polar accepts them.
 */
public final class FakePolar implements AutoCloseable {

    public static final String DEFAULT_TOKEN = "fake-polar-token";
    // Polar production: 500 requests per minute per organization.
    public static final int DEFAULT_RATE_LIMIT = 500;
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
    public static final long DEFAULT_SEED = 1;

    private static final String ROUTE_PREFIX = "/v1/customers/external/";
    private static final String ID_ROUTE_PREFIX = "/v1/customers/";
    /** When the customers given to the builder (or found in allExist mode) were created. */
    public static final Instant SEEDED_CREATED_AT = Instant.parse("2025-01-01T00:00:00Z");
    private static final Pattern POLAR_VERSION = Pattern.compile("\\d{4}-(0[1-9]|1[0-2])");
    private static final String OLDEST_VERSION = "2024-01";
    private static final String NEWEST_VERSION = "2026-04";
    // Enough threads that the simulated latency overlaps instead of queueing.
    private static final int THREADS = 64;

    static {
        // The JDK server writes headers and body separately; with Nagle's algorithm on, every
        // answer with a body then waits ~40 ms for the client's delayed ACK. Read once per JVM,
        // so it only helps if no JDK HttpServer was started before this class loaded.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final String NO_ROUTE = "{\"detail\":\"Not Found\"}";
    private static final String NOT_FOUND = "{\"error\":\"ResourceNotFound\",\"detail\":\"Not found\"}";
    private static final String NO_TOKEN = "{\"error\":\"Unauthorized\",\"detail\":\"Unauthorized\"}";
    private static final String BAD_TOKEN = "{\"error\":\"invalid_token\",\"error_description\":"
            + "\"The access token provided is expired, revoked, malformed, or invalid for other reasons.\"}";
    private static final String EDGE_503 = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
            + "<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n";

    /**
     * One received request as the fake saw and answered it. rawPath includes the query;
     * externalId is null when no route matched (for a DELETE by customer id, it is the external ID that
     * customer held, if the fake knows the id); status 0 means the connection was dropped.
     */
    public record Request(Instant time, String method, String rawPath, String externalId,
                          boolean anonymize, boolean authorizationPresent, int status) {

        private Request withStatus(int answered) {
            return new Request(time, method, rawPath, externalId, anonymize, authorizationPresent, answered);
        }
    }

    /**
     * A customer of the fake's organization.
     *
     * @param createdAt when it was created, by this machine's clock ({@link #SEEDED_CREATED_AT} for seeded ones)
     */
    public record Customer(UUID id, String externalId, Instant createdAt) {

        String json() {
            return "{\"id\":\"" + id + "\",\"type\":\"individual\",\"external_id\":\"" + jsonEscape(externalId)
                    + "\",\"created_at\":\"" + createdAt + "\",\"modified_at\":null,\"deleted_at\":null,"
                    + "\"email\":\"customer-" + id + "@example.com\",\"email_verified\":true,\"name\":\"Test Customer\","
                    + "\"billing_name\":null,\"billing_address\":null,\"tax_id\":null,\"locale\":null,\"metadata\":{},"
                    + "\"organization_id\":\"00000000-0000-4000-8000-000000000001\",\"avatar_url\":null}";
        }
    }

    /** A response to send verbatim; an empty body is sent without Content-Type. */
    public record Answer(int status, String contentType, String body, Map<String, String> headers) {
        public Answer {
            Objects.requireNonNull(body, "body");
            headers = Map.copyOf(headers);
        }
    }

    /** A misbehaviour for the next request; queue it with {@link #enqueueFault(Fault)}. */
    public sealed interface Fault permits Fault.Respond, Fault.Delay, Fault.Drop, Fault.RespondAfterHandling {

        /** Answer this at once instead of handling the request; nothing is deleted or counted. */
        record Respond(Answer answer) implements Fault {
        }

        /** Wait, then handle normally: the delete still happens even if the client gave up. */
        record Delay(Duration delay) implements Fault {
        }

        /** Close the connection without an answer, before or after handling (and deleting). */
        record Drop(boolean afterHandling) implements Fault {
        }

        /** Handle normally (a DELETE is committed), then answer this instead, as an edge that timed out does. */
        record RespondAfterHandling(Answer answer) implements Fault {
        }

        /** The delete was committed, then the edge answered 504. */
        static Fault gatewayTimeoutAfterCommit() {
            return new RespondAfterHandling(edge504());
        }

        static Fault respond(int status, String contentType, String body, Map<String, String> headers) {
            return new Respond(new Answer(status, contentType, body, headers));
        }

        /** The HTML page an edge proxy sends when the origin is unavailable. */
        static Fault serviceUnavailable() {
            return new Respond(edge503());
        }

        static Fault rateLimited(long retryAfterSeconds) {
            return new Respond(tooManyRequests(retryAfterSeconds));
        }

        static Fault delay(Duration delay) {
            return new Delay(delay);
        }

        /** Connection lost before Polar saw the request: nothing was deleted. */
        static Fault dropConnection() {
            return new Drop(false);
        }

        /** The delete was committed but the answer never arrived. */
        static Fault loseAnswer() {
            return new Drop(true);
        }
    }

    /** Validated settings; every default is written here once. */
    public static final class Builder {
        private String token = DEFAULT_TOKEN;
        private final Set<String> customers = new HashSet<>();
        private boolean allExist;
        private int rateLimit = DEFAULT_RATE_LIMIT;
        private Duration window = DEFAULT_WINDOW;
        private long latencyMillis;
        private long jitterMillis;
        private double failRate;
        private long seed = DEFAULT_SEED;
        private Path requestLog;
        private boolean keepRequests = true;
        private LongSupplier nanoClock = System::nanoTime;
        private Duration recreateAfter;
        private double lostAnswerRate;
        private double gatewayTimeoutRate;
        private boolean sandbox;

        private Builder() {
        }

        public Builder token(String token) {
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("token must not be blank");
            }
            this.token = token;
            return this;
        }

        public Builder customers(Set<String> ids) {
            customers.addAll(ids);
            return this;
        }

        /** Every ID not erased yet counts as a live customer, so benchmarks need no customer list. */
        public Builder allExist(boolean allExist) {
            this.allExist = allExist;
            return this;
        }

        /** Requests allowed per window. */
        public Builder rateLimit(int requestsPerWindow) {
            this.rateLimit = requireAtLeast(1, requestsPerWindow, "rateLimit");
            return this;
        }

        public Builder window(Duration window) {
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("window must be positive, was " + window);
            }
            this.window = window;
            return this;
        }

        public Builder latencyMillis(long millis) {
            this.latencyMillis = requireAtLeast(0, millis, "latencyMillis");
            return this;
        }

        /** Extra random latency, uniform in 0..millis. */
        public Builder jitterMillis(long millis) {
            this.jitterMillis = requireAtLeast(0, millis, "jitterMillis");
            return this;
        }

        /** Probability of an edge 503 instead of handling. */
        public Builder failRate(double failRate) {
            if (!(failRate >= 0 && failRate <= 1)) {
                throw new IllegalArgumentException("failRate must be within 0..1, was " + failRate);
            }
            this.failRate = failRate;
            return this;
        }

        /**
         * A new customer takes each freed external ID this long after its erasure (zero: at once), with a new id
         * and {@code created_at} = that moment: the merchant's app signing the same person up again.
         */
        public Builder recreateFreedIds(Duration after) {
            if (after.isNegative()) {
                throw new IllegalArgumentException("recreateFreedIds must not be negative, was " + after);
            }
            this.recreateAfter = after;
            return this;
        }

        /** Probability that a DELETE that erased a customer loses its answer (connection dropped after commit). */
        public Builder lostAnswerRate(double rate) {
            this.lostAnswerRate = probability(rate, "lostAnswerRate");
            return this;
        }

        /** Probability that a DELETE that erased a customer is answered 504 by the edge (after commit). */
        public Builder gatewayTimeoutRate(double rate) {
            this.gatewayTimeoutRate = probability(rate, "gatewayTimeoutRate");
            return this;
        }

        private static double probability(double value, String field) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException(field + " must be within 0..1, was " + value);
            }
            return value;
        }

        /** Seeds jitter and failures, so a serial run is repeatable. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder requestLog(Path file) {
            this.requestLog = file;
            return this;
        }

        /**
         * Answer as Polar's sandbox does: {@code X-Polar-Sandbox: 1} on the application's answers, not on 429s
         * and route 404s (see /work/shared/polar-api.md).
         */
        public Builder sandbox(boolean sandbox) {
            this.sandbox = sandbox;
            return this;
        }

        /** Off for long benchmark runs, where a million kept requests would only fill the heap. */
        public Builder keepRequests(boolean keep) {
            this.keepRequests = keep;
            return this;
        }

        // Lets tests move the rate-limit window without sleeping.
        Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = nanoClock;
            return this;
        }

        public FakePolar build() {
            return new FakePolar(this);
        }

        private static int requireAtLeast(int min, long value, String field) {
            if (value < min || value > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(field + " must be within " + min + ".." + Integer.MAX_VALUE
                        + ", was " + value);
            }
            return (int) value;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private final String token;
    private final boolean allExist;
    private final int rateLimit;
    private final long windowNanos;
    private final long retryAfterSeconds;
    private final long latencyMillis;
    private final long jitterMillis;
    private final double failRate;
    private final Random random;
    private final Path requestLogFile;
    private final boolean keepRequests;
    private final LongSupplier nanoClock;
    private final Duration recreateAfter;
    private final double lostAnswerRate;
    private final double gatewayTimeoutRate;
    private final Map<String, String> applicationHeaders;

    // Customer state, all guarded by live. erased only matters in allExist mode.
    private final Map<String, Customer> live = new HashMap<>();
    private final Map<UUID, Customer> everyCustomer = new HashMap<>();
    private final Set<String> erased = new HashSet<>();
    private final List<String> deleted = new ArrayList<>();
    private final List<Customer> erasedCustomers = new ArrayList<>();
    /** External IDs freed by an erasure and when a new customer takes them. */
    private final Map<String, Instant> recreations = new HashMap<>();
    private final AtomicInteger received = new AtomicInteger();

    private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    private final Map<Integer, LongAdder> statusCounts = new ConcurrentHashMap<>();

    // Fixed window, guarded by this: opens at the first request after the previous one expired.
    private boolean windowOpen;
    private long windowStart;
    private int windowCount;

    private HttpServer server;
    private ExecutorService executor;
    private OutputStream requestLog;

    private FakePolar(Builder b) {
        token = b.token;
        allExist = b.allExist;
        rateLimit = b.rateLimit;
        windowNanos = b.window.toNanos();
        // Polar always sends the full window length; round up so a sub-second test window never says 0.
        retryAfterSeconds = Math.max(1, (b.window.toMillis() + 999) / 1000);
        latencyMillis = b.latencyMillis;
        jitterMillis = b.jitterMillis;
        failRate = b.failRate;
        random = new Random(b.seed);
        requestLogFile = b.requestLog;
        keepRequests = b.keepRequests;
        nanoClock = b.nanoClock;
        recreateAfter = b.recreateAfter;
        lostAnswerRate = b.lostAnswerRate;
        gatewayTimeoutRate = b.gatewayTimeoutRate;
        b.customers.forEach(id -> create(id, SEEDED_CREATED_AT));
        applicationHeaders = b.sandbox ? Map.of("X-Polar-Sandbox", "1") : Map.of();
    }

    /** Binds 127.0.0.1 only, on the given port (0 picks a free one). */
    public synchronized FakePolar start(int port) throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        if (requestLogFile != null) {
            requestLog = Files.newOutputStream(requestLogFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        AtomicInteger threadNumber = new AtomicInteger();
        executor = Executors.newFixedThreadPool(THREADS, task -> {
            Thread thread = new Thread(task, "fake-polar-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
        return this;
    }

    public FakePolar start() throws IOException {
        return start(0);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** Makes an ID live (again) as a new customer created now: Polar frees an erased external ID for reuse. */
    public Customer addCustomer(String externalId) {
        synchronized (live) {
            erased.remove(externalId);
            return create(externalId, Instant.now());
        }
    }

    /** The live customer holding this external ID, if any. */
    public java.util.Optional<Customer> customer(String externalId) {
        synchronized (live) {
            return java.util.Optional.ofNullable(liveCustomer(externalId));
        }
    }

    /**
     * Every customer erased so far, in order, with the id and creation time it had (the id is null for a customer
     * of allExist mode erased without a look-up). Empty when keepRequests is off.
     */
    public List<Customer> erasedCustomers() {
        synchronized (live) {
            return List.copyOf(erasedCustomers);
        }
    }

    /** Requests whose handling has begun, answered or not: those "in flight" included. */
    public int received() {
        return received.get();
    }

    public void enqueueFault(Fault fault) {
        faults.add(Objects.requireNonNull(fault, "fault"));
    }

    /** Requests in the order their handling finished (empty if keepRequests is off). */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** External IDs erased so far, in order. */
    public List<String> deletedIds() {
        synchronized (live) {
            return List.copyOf(deleted);
        }
    }

    /** Number of requests per answered status (0 = dropped), sorted by status. */
    public Map<Integer, Long> statusCounts() {
        Map<Integer, Long> counts = new TreeMap<>();
        statusCounts.forEach((status, count) -> counts.put(status, count.sum()));
        return counts;
    }

    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
            if (requestLog != null) {
                requestLog.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            received.incrementAndGet();
            Instant time = Instant.now();
            String method = exchange.getRequestMethod();
            String rawQuery = exchange.getRequestURI().getRawQuery();
            String rawPath = exchange.getRequestURI().getRawPath() + (rawQuery == null ? "" : "?" + rawQuery);
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            Route route = route(method, exchange.getRequestURI().getRawPath(),
                    exchange.getRequestHeaders().getFirst("Polar-Version"));
            Request seen = new Request(time, method, rawPath, route == null ? null : externalIdOf(route),
                    anonymize(rawQuery), authorization != null, 0);

            Fault fault = faults.poll();
            if (fault instanceof Fault.Respond respond) {
                send(exchange, seen, respond.answer());
                return;
            }
            if (fault instanceof Fault.Drop drop && !drop.afterHandling()) {
                record(seen, 0);
                return; // closing without response headers drops the connection
            }
            if (fault instanceof Fault.Delay delay) {
                sleep(delay.delay().toMillis());
            }
            sleep(latencyMillis + (jitterMillis == 0 ? 0 : random.nextLong(jitterMillis + 1)));
            Answer answer = failRate > 0 && random.nextDouble() < failRate
                    ? edge503()
                    : answer(route, authorization);
            if (fault instanceof Fault.Drop || answer.status() == 204 && lostAnswerRate > 0
                    && random.nextDouble() < lostAnswerRate) {
                record(seen, 0);
                return;
            }
            if (fault instanceof Fault.RespondAfterHandling after) {
                answer = after.answer();
            } else if (answer.status() == 204 && gatewayTimeoutRate > 0 && random.nextDouble() < gatewayTimeoutRate) {
                answer = edge504();
            }
            send(exchange, seen, answer);
        } catch (IOException e) {
            // The client went away mid-answer, as clients do; nothing to repair in a fake.
        }
    }

    private Answer answer(Route route, String authorization) {
        if (route == null) {
            return json(404, NO_ROUTE);
        }
        // Polar reads only the Bearer scheme; any other scheme counts as no credentials.
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return application(json(401, NO_TOKEN));
        }
        if (!authorization.substring(7).equals(token)) {
            return application(json(401, BAD_TOKEN));
        }
        if (!tryAcquire()) {
            return tooManyRequests(retryAfterSeconds);
        }
        if (route.customerId() != null) {
            return application(deleteById(route.customerId()) ? new Answer(204, null, "", Map.of())
                    : json(404, NOT_FOUND));
        }
        if (route.lookUp()) {
            Customer customer;
            synchronized (live) {
                customer = liveCustomer(route.externalId());
            }
            return application(customer == null ? json(404, NOT_FOUND) : json(200, customer.json()));
        }
        return application(delete(route.externalId()) ? new Answer(204, null, "", Map.of()) : json(404, NOT_FOUND));
    }

    /** An answer of Polar's application, with the sandbox's mark when this fake plays the sandbox. */
    private Answer application(Answer answer) {
        return applicationHeaders.isEmpty() ? answer
                : new Answer(answer.status(), answer.contentType(), answer.body(), applicationHeaders);
    }

    /** What a request addresses: an external ID (DELETE or look-up), or a customer id (DELETE). */
    private record Route(String externalId, boolean lookUp, UUID customerId) {
    }

    // Polar decodes the whole path before routing, so %2F splits the ID and nothing matches.
    private static Route route(String method, String rawPath, String polarVersion) {
        boolean delete = "DELETE".equals(method);
        if (!(delete || "GET".equals(method)) || (polarVersion != null && !knownVersion(polarVersion))) {
            return null;
        }
        String path = percentDecode(rawPath);
        if (path.startsWith(ROUTE_PREFIX)) {
            String id = path.substring(ROUTE_PREFIX.length());
            return id.isEmpty() || id.contains("/") ? null : new Route(id, !delete, null);
        }
        if (delete && path.startsWith(ID_ROUTE_PREFIX)) {
            try {
                return new Route(null, false, UUID.fromString(path.substring(ID_ROUTE_PREFIX.length())));
            } catch (IllegalArgumentException e) {
                return null; // Polar answers 422 to a malformed UUID; no client of this fake sends one
            }
        }
        return null;
    }

    private String externalIdOf(Route route) {
        if (route.customerId() == null) {
            return route.externalId();
        }
        synchronized (live) {
            Customer customer = everyCustomer.get(route.customerId());
            return customer == null ? null : customer.externalId();
        }
    }

    private static boolean knownVersion(String version) {
        return POLAR_VERSION.matcher(version).matches()
                && version.compareTo(OLDEST_VERSION) >= 0 && version.compareTo(NEWEST_VERSION) <= 0;
    }

    private static boolean anonymize(String rawQuery) {
        if (rawQuery == null) {
            return false;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.equals("anonymize=true")) {
                return true;
            }
        }
        return false;
    }

    // Not URLDecoder: in a path '+' is a plain plus, not a space. Bad UTF-8 becomes U+FFFD, as in
    // Python. The JDK server reads the request line as ISO-8859-1, so that gives back the raw bytes.
    static String percentDecode(String raw) {
        byte[] in = raw.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[in.length];
        int n = 0;
        for (int i = 0; i < in.length; i++) {
            int hi = i + 2 < in.length ? Character.digit(in[i + 1], 16) : -1;
            int lo = i + 2 < in.length ? Character.digit(in[i + 2], 16) : -1;
            if (in[i] == '%' && hi >= 0 && lo >= 0) {
                out[n++] = (byte) (hi * 16 + lo);
                i += 2;
            } else {
                out[n++] = in[i];
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    private synchronized boolean tryAcquire() {
        long now = nanoClock.getAsLong();
        if (!windowOpen || now - windowStart >= windowNanos) {
            windowOpen = true;
            windowStart = now;
            windowCount = 0;
        }
        if (windowCount >= rateLimit) {
            return false; // rejected requests do not count
        }
        windowCount++;
        return true;
    }

    private boolean delete(String externalId) {
        synchronized (live) {
            Customer customer = live.containsKey(externalId) || recreations.containsKey(externalId) || !allExist
                    ? liveCustomer(externalId)
                    // allExist: no customer object for a plain erasure, so benchmarks of a million rows stay small
                    : erased.contains(externalId) ? null : new Customer(null, externalId, SEEDED_CREATED_AT);
            if (customer != null) {
                erase(customer);
            }
            return customer != null;
        }
    }

    private boolean deleteById(UUID id) {
        synchronized (live) {
            Customer customer = everyCustomer.get(id);
            boolean isLive = customer != null && customer.equals(liveCustomer(customer.externalId()));
            if (isLive) {
                erase(customer);
            }
            return isLive;
        }
    }

    // Guarded by live.
    private void erase(Customer customer) {
        live.remove(customer.externalId());
        erased.add(customer.externalId());
        deleted.add(customer.externalId());
        if (keepRequests) {
            erasedCustomers.add(customer);
        }
        if (recreateAfter != null) {
            recreations.put(customer.externalId(), Instant.now().plus(recreateAfter));
        }
    }

    /** The live customer holding the ID, after any due re-creation; guarded by live. */
    private Customer liveCustomer(String externalId) {
        Instant due = recreations.get(externalId);
        if (due != null && !due.isAfter(Instant.now())) {
            recreations.remove(externalId);
            create(externalId, due);
        }
        Customer customer = live.get(externalId);
        if (customer == null && allExist && !erased.contains(externalId)) {
            customer = create(externalId, SEEDED_CREATED_AT);
        }
        return customer;
    }

    // Guarded by live (or called from the constructor).
    private Customer create(String externalId, Instant createdAt) {
        Customer customer = new Customer(UUID.randomUUID(), externalId, createdAt);
        live.put(externalId, customer);
        everyCustomer.put(customer.id(), customer);
        return customer;
    }

    private static String jsonEscape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private void send(HttpExchange exchange, Request seen, Answer answer) throws IOException {
        // Recorded before the answer leaves, so a client that saw the answer also sees the record.
        record(seen, answer.status());
        answer.headers().forEach(exchange.getResponseHeaders()::set);
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        if (answer.contentType() != null && body.length > 0) {
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        }
        exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }

    private void record(Request seen, int status) throws IOException {
        Request done = seen.withStatus(status);
        if (keepRequests) {
            requests.add(done);
        }
        statusCounts.computeIfAbsent(status, s -> new LongAdder()).increment();
        if (requestLog != null) {
            String id = done.externalId() == null ? "" : escape(done.externalId());
            byte[] line = (done.time() + "\t" + done.method() + "\t" + status + "\t" + id + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            synchronized (requestLog) {
                requestLog.write(line); // unbuffered, so the line survives this process being killed
            }
        }
    }

    // One request per line, tab-separated, whatever the ID contains.
    private static String escape(String id) {
        return id.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    private static Answer json(int status, String body) {
        return new Answer(status, "application/json", body, Map.of());
    }

    private static Answer edge504() {
        return new Answer(504, "text/html", "<html><head><title>504 Gateway Time-out</title></head><body>"
                + "<center><h1>504 Gateway Time-out</h1></center></body></html>", Map.of());
    }

    private static Answer edge503() {
        return new Answer(503, "text/html", EDGE_503, Map.of());
    }

    private static Answer tooManyRequests(long retryAfterSeconds) {
        return new Answer(429, null, "", Map.of("Retry-After", Long.toString(retryAfterSeconds)));
    }

    private static void sleep(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while simulating latency", e);
        }
    }

    // ---- command line ----

    private static final String USAGE = String.join("\n",
            "usage: java FakePolar.java [options]",
            "  --port N            port on 127.0.0.1 (default 0: any free port)",
            "  --port-file FILE    write the bound port to FILE once listening",
            "  --token T           expected bearer token (default " + DEFAULT_TOKEN + ")",
            "  --customers FILE    live external IDs, one per line (UTF-8, blank lines ignored)",
            "  --all-exist         every ID not erased yet is a live customer",
            "  --rate-limit N      requests per window (default " + DEFAULT_RATE_LIMIT + ")",
            "  --window-seconds S  rate-limit window length (default " + DEFAULT_WINDOW.toSeconds() + ")",
            "  --latency-ms MS     delay before each answer (default 0)",
            "  --jitter-ms MS      extra random delay of up to MS (default 0)",
            "  --fail-rate P       probability of an edge 503 per request (default 0)",
            "  --seed N            seed for jitter and failures (default " + DEFAULT_SEED + ")",
            "  --recreate-after-ms MS  a new customer takes each freed ID MS after its erasure (default: never)",
            "  --lost-answer-rate P    probability that an erasure's answer is lost after commit (default 0)",
            "  --gateway-timeout-rate P  probability of an edge 504 after an erasure committed (default 0)",
            "  --sandbox           mark answers X-Polar-Sandbox: 1, as Polar's sandbox does",
            "  --log FILE          append 'time<TAB>method<TAB>status<TAB>id' per request");

    public static void main(String[] args) throws IOException {
        Builder builder = builder().keepRequests(false);
        int port = 0;
        Path portFile = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (option.equals("--help")) {
                    System.out.println(USAGE);
                    return;
                }
                if (option.equals("--all-exist")) {
                    builder.allExist(true);
                    continue;
                }
                if (option.equals("--sandbox")) {
                    builder.sandbox(true);
                    continue;
                }
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException("missing value for " + option);
                }
                String value = args[++i];
                switch (option) {
                    case "--port" -> port = Integer.parseInt(value);
                    case "--port-file" -> portFile = Path.of(value);
                    case "--token" -> builder.token(value);
                    case "--customers" -> builder.customers(readCustomers(Path.of(value)));
                    case "--rate-limit" -> builder.rateLimit(Integer.parseInt(value));
                    case "--window-seconds" -> builder.window(Duration.ofSeconds(Long.parseLong(value)));
                    case "--latency-ms" -> builder.latencyMillis(Long.parseLong(value));
                    case "--jitter-ms" -> builder.jitterMillis(Long.parseLong(value));
                    case "--fail-rate" -> builder.failRate(Double.parseDouble(value));
                    case "--seed" -> builder.seed(Long.parseLong(value));
                    case "--recreate-after-ms" -> builder.recreateFreedIds(Duration.ofMillis(Long.parseLong(value)));
                    case "--lost-answer-rate" -> builder.lostAnswerRate(Double.parseDouble(value));
                    case "--gateway-timeout-rate" -> builder.gatewayTimeoutRate(Double.parseDouble(value));
                    case "--log" -> builder.requestLog(Path.of(value));
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
        } catch (IllegalArgumentException e) { // includes NumberFormatException
            System.err.println("fake-polar: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
        }

        FakePolar fake = builder.build().start(port);
        // SIGTERM runs shutdown hooks: stop serving, then say what happened.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fake.close();
            System.out.println("fake-polar stopped; answers by status: " + fake.statusCounts());
        }));
        if (portFile != null) {
            writeAtomically(portFile, fake.port() + "\n");
        }
        System.out.println("fake-polar listening on " + fake.baseUrl());
    }

    private static Set<String> readCustomers(Path file) throws IOException {
        Set<String> ids = new HashSet<>();
        String text = Files.readString(file, StandardCharsets.UTF_8);
        for (String line : (text.startsWith("\uFEFF") ? text.substring(1) : text).split("\n")) {
            // Polar trims external IDs when customers are created, so surrounding blanks can't be real.
            String id = line.strip();
            if (!id.isEmpty()) {
                ids.add(id);
            }
        }
        return ids;
    }

    // A reader polling the file sees either nothing or the whole port, never a half-written line.
    private static void writeAtomically(Path file, String content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        Files.writeString(temp, content, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
