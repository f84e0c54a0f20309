package io.polarerasure.cli;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * A MockWebServer dispatcher answering like Polar for a set of live customers (all created long ago), with
 * scripted trouble: from the n-th request on it answers a fixed status (a revoked token, a wrong route),
 * and IDs listed as broken always answer 503. Look-ups (GET) and DELETEs by customer id are answered too.
 */
final class ScriptedPolar extends Dispatcher {

    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final Set<String> broken = ConcurrentHashMap.newKeySet();
    private final List<String> erased = new CopyOnWriteArrayList<>();
    private final List<String> sent = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile int troubleFrom = Integer.MAX_VALUE;
    private volatile MockResponse trouble;

    ScriptedPolar(Set<String> liveCustomers) {
        live.addAll(liveCustomers);
    }

    void refuseFrom(int request, int status, String body) {
        trouble = new MockResponse.Builder().code(status).addHeader("Content-Type", "application/json").body(body)
                .build();
        troubleFrom = request;
    }

    void heal() {
        troubleFrom = Integer.MAX_VALUE;
    }

    void alwaysUnavailable(String externalId) {
        broken.add(externalId);
    }

    /** The ID answers normally again. */
    void repair(String externalId) {
        broken.remove(externalId);
    }

    /** External IDs in the order requests arrived, decoded. */
    List<String> sent() {
        return List.copyOf(sent);
    }

    List<String> erased() {
        return List.copyOf(erased);
    }

    /** The Polar id of a customer: derived from its external ID, as no ID is ever re-created here. */
    private static String customerId(String externalId) {
        return java.util.UUID.nameUUIDFromBytes(externalId.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
    }

    private String byCustomerId(String customerId) {
        return live.stream().filter(id -> customerId(id).equals(customerId)).findFirst().orElse(customerId);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        int n = requests.incrementAndGet();
        List<String> segments = request.getUrl().pathSegments();
        String id = segments.get(segments.size() - 1);
        if (request.getMethod().equals("DELETE") && segments.size() == 3) {
            id = byCustomerId(id); // DELETE /v1/customers/{id}
        }
        sent.add(id);
        if (n >= troubleFrom) {
            return trouble;
        }
        if (broken.contains(id)) {
            return new MockResponse.Builder().code(503).body("<html>upstream unavailable</html>").build();
        }
        if (request.getMethod().equals("GET")) {
            return live.contains(id)
                    ? new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                            .body("{\"id\":\"" + customerId(id) + "\",\"external_id\":\"" + id
                                    + "\",\"created_at\":\"2025-01-01T00:00:00Z\"}").build()
                    : new MockResponse.Builder().code(404).addHeader("Content-Type", "application/json")
                            .body("{\"error\":\"ResourceNotFound\",\"detail\":\"Not found\"}").build();
        }
        if (live.remove(id)) {
            erased.add(id);
            return new MockResponse.Builder().code(204).build();
        }
        return new MockResponse.Builder().code(404).addHeader("Content-Type", "application/json")
                .body("{\"error\":\"ResourceNotFound\",\"detail\":\"Not found\"}").build();
    }
}
