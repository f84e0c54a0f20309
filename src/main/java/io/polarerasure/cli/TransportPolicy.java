package io.polarerasure.cli;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token can erase every customer of the organization: it travels over TLS, or in clear only
 * to this machine (a local stand-in for Polar), unless the operator explicitly allows otherwise.
 */
final class TransportPolicy {

    private static final Logger log = LoggerFactory.getLogger(TransportPolicy.class);

    private TransportPolicy() {
    }

    static void check(String baseUrl, boolean allowInsecureHttp) {
        URI uri = URI.create(baseUrl);
        String scheme = String.valueOf(uri.getScheme()).toLowerCase(java.util.Locale.ROOT);
        if (scheme.equals("https")) {
            return;
        }
        if (!scheme.equals("http")) {
            throw new IllegalArgumentException("--api-url " + baseUrl + " is not an http(s) URL. Use e.g. "
                    + RunOptions.PRODUCTION_URL + ".");
        }
        if (isLoopback(uri.getHost())) {
            return;
        }
        if (!allowInsecureHttp) {
            throw new IllegalArgumentException("--api-url " + baseUrl + " would send the access token unencrypted"
                    + " to another machine. Use https://, or add --allow-insecure-http if you really mean it.");
        }
        log.warn("INSECURE: sending the access token over plain http to {} because of --allow-insecure-http",
                uri.getHost());
    }

    private static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            // Only literal addresses are checked here: no name lookup decides where a token may go.
            boolean literal = host.matches("[0-9.]+") || host.startsWith("[");
            return literal && InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
