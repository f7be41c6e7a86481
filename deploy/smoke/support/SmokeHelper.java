import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.stampede.local.LocalKafka;
import io.stampede.model.Topics;

/**
 * The smoke test's two helpers, run in containers of the smoke support image (deploy/smoke/run.sh):
 *
 * <ul>
 *   <li>{@code topics BOOTSTRAP PARTITIONS DC[,DC...]}: waits for the broker, then creates every
 *       Stampede topic exactly as {@code stampede local up} does ({@link LocalKafka#createTopics}
 *       with {@link Topics#all}) and lists them with their settings;</li>
 *   <li>{@code target PORT}: a tiny HTTP target on every interface, answering 200 "ok" to any
 *       request and counting them; {@code GET /count} answers the count (and is not counted).</li>
 * </ul>
 */
public final class SmokeHelper {

    private SmokeHelper() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("topics")) {
            topics(args[1], Integer.parseInt(args[2]), Arrays.asList(args[3].split(",")));
        } else if (args.length == 2 && args[0].equals("target")) {
            target(Integer.parseInt(args[1]));
        } else {
            System.err.println("usage: SmokeHelper topics BOOTSTRAP PARTITIONS DC[,DC...] | target PORT");
            System.exit(2);
        }
    }

    private static void topics(String bootstrap, int partitions, List<String> datacenters) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        List<Topics.TopicSpec> topics = Topics.all(datacenters);
        while (true) {
            try {
                LocalKafka.createTopics(bootstrap, topics, partitions, Duration.ofSeconds(10));
                break;
            } catch (IllegalStateException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw e;
                }
                System.out.println("waiting for Kafka at " + bootstrap + " (" + e.getMessage() + ")");
                Thread.sleep(1000);
            }
        }
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(properties)) {
            List<String> names = topics.stream().map(Topics.TopicSpec::name).toList();
            Map<String, TopicDescription> descriptions = new TreeMap<>(
                    admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS));
            List<ConfigResource> resources = new ArrayList<>();
            names.forEach(name -> resources.add(new ConfigResource(ConfigResource.Type.TOPIC, name)));
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            for (TopicDescription description : descriptions.values()) {
                Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, description.name()));
                System.out.printf("topic %-28s partitions %d  max.message.bytes %s  cleanup.policy %s%n",
                        description.name(), description.partitions().size(),
                        config.get("max.message.bytes").value(), config.get("cleanup.policy").value());
            }
        }
    }

    private static void target(int port) throws IOException {
        AtomicLong served = new AtomicLong();
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 256);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/count")) {
                respond(exchange, Long.toString(served.get()));
            } else {
                served.incrementAndGet();
                respond(exchange, "ok");
            }
        });
        server.start();
        System.out.println("target listening on port " + port);
    }

    private static void respond(HttpExchange exchange, String body) throws IOException {
        exchange.getRequestBody().readAllBytes();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
