package io.polarerasure.cli;

import io.polarerasure.kernel.ExitCodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

class TransportPolicyTest {

    @Test
    void allows_https_anywhere() {
        assertThatCode(() -> TransportPolicy.check("https://api.polar.sh", false)).doesNotThrowAnyException();
        assertThatCode(() -> TransportPolicy.check("https://10.0.0.8:8443", false)).doesNotThrowAnyException();
    }

    @Test
    void allows_plain_http_only_to_this_machine() {
        for (String url : new String[] {"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9000",
                "http://127.0.0.2"}) {
            assertThatCode(() -> TransportPolicy.check(url, false)).as(url).doesNotThrowAnyException();
        }
    }

    @Test
    void refuses_plain_http_to_another_machine_also_when_its_name_resolves_to_loopback() {
        for (String url : new String[] {"http://api.polar.sh", "http://10.0.0.8:8080", "http://localhost.evil.com",
                "http://127.0.0.1.nip.io"}) {
            assertThatThrownBy(() -> TransportPolicy.check(url, false)).as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(url).hasMessageContaining("--allow-insecure-http");
        }
    }

    @Test
    void refuses_other_schemes() {
        assertThatThrownBy(() -> TransportPolicy.check("ftp://api.polar.sh", true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an http(s) URL");
    }

    @Test
    void allow_insecure_http_lets_it_through_with_a_warning() {
        Logger logger = (Logger) LoggerFactory.getLogger(TransportPolicy.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            TransportPolicy.check("http://10.0.0.8:8080", true);
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(appender.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel().toString()).isEqualTo("WARN");
            assertThat(event.getFormattedMessage()).startsWith("INSECURE").contains("10.0.0.8");
        });
    }

    @Test
    void the_run_exits_2_before_anything_is_sent_when_http_goes_elsewhere(@TempDir Path dir) throws Exception {
        Path input = Files.writeString(dir.resolve("requests.csv"), "external_id\ncus-1\n");
        Cli.Result result = Cli.run(Map.of(AccessToken.ENVIRONMENT_VARIABLE, "t0ken"), "run", "--input",
                input.toString(), "--api-url", "http://192.0.2.1:9", "--state-dir", dir.resolve("state").toString());
        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("http://192.0.2.1:9").contains("--allow-insecure-http");
        assertThat(dir.resolve("requests.audit.csv")).doesNotExist();
    }
}
