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
 * A MockWebServer dispatcher answering like Polar for a set of live customers, with scripted
 * trouble: from the n-th request on it answers a fixed status (a revoked token, a wrong route),
 * and IDs listed as broken always answer 503.
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

    /** External IDs in the order requests arrived, decoded. */
    List<String> sent() {
        return List.copyOf(sent);
    }

    List<String> erased() {
        return List.copyOf(erased);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        int n = requests.incrementAndGet();
        List<String> segments = request.getUrl().pathSegments();
        String id = segments.get(segments.size() - 1);
        sent.add(id);
        if (n >= troubleFrom) {
            return trouble;
        }
        if (broken.contains(id)) {
            return new MockResponse.Builder().code(503).body("<html>upstream unavailable</html>").build();
        }
        if (live.remove(id)) {
            erased.add(id);
            return new MockResponse.Builder().code(204).build();
        }
        return new MockResponse.Builder().code(404).addHeader("Content-Type", "application/json")
                .body("{\"error\":\"ResourceNotFound\",\"detail\":\"Not found\"}").build();
    }
}
