package io.stampede.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.stampede.model.Topics;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Renders the Kustomize overlays ({@code overlays/kubernetes}, {@code overlays/openshift}) and the
 * Kafka manifests with {@code kubectl kustomize}, and checks what every Stampede node needs there:
 * the objects of an installation (gates and managers as StatefulSets, workers as a Deployment, their
 * Services, disruption budgets, network policies, the workers' autoscaler, the Route on OpenShift
 * only); health probes, resources and an unprivileged security context on every container; declared
 * UDP and gRPC ports that match the node's settings; a Raft log on a volume, peers and seeds by
 * ordinal, identity and address from the downward API; no setting left pointing at this host or a
 * temporary directory; that a second datacenter renders the way the README says; and Stampede's
 * topics in both Kafka variants. Skipped when kubectl is not on the PATH.
 */
class ManifestsTest {

    private static final Path DEPLOY = Path.of(System.getProperty("stampede.deploy.dir", "")).toAbsolutePath();
    private static final String KUBERNETES = "overlays/kubernetes";
    private static final String OPENSHIFT = "overlays/openshift";
    private static final String NAMESPACE = "stampede";
    private static final String DATACENTER_LABEL = "stampede.io/datacenter";

    /** The topics' largest message, as {@code io.stampede.model.Topics.MAX_MESSAGE_BYTES}: 8 MiB and 64 KiB. */
    private static final String MAX_MESSAGE_BYTES = Integer.toString(8 * 1024 * 1024 + 64 * 1024);
    /** Values no node may be left with on a cluster: its defaults for a single host. */
    private static final List<String> SINGLE_HOST_VALUES = List.of("127.0.0.1", "localhost", "/tmp");

    private static final Optional<Path> KUBECTL = onPath("kubectl");
    private static final Map<Path, Rendered> RENDERED = new ConcurrentHashMap<>();

    /** Each test, not the class, is skipped, so that the reports count and name the skipped tests. */
    @BeforeEach
    void needsKubectl() {
        assumeTrue(KUBECTL.isPresent(), "kubectl is not on the PATH: these tests render the manifests with"
                + " `kubectl kustomize` (Debian and Ubuntu: apt-get install kubectl); skipped");
    }

    // ---- what an installation consists of ----

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void everyObjectOfAnInstallationIsThere(String overlay) {
        Rendered rendered = render(overlay);

        assertThat(rendered.one("StatefulSet", "gate").at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(rendered.one("StatefulSet", "manager-dc1").at("/spec/replicas").asInt()).isEqualTo(3);
        rendered.one("Deployment", "worker-dc1");

        JsonNode api = rendered.one("Service", "gate");
        assertThat(api.at("/spec/clusterIP").asText()).isNotEqualTo("None");
        assertThat(api.at("/spec/ports").findValuesAsText("port")).containsExactly("8080");
        for (String headless : List.of("gate-headless", "manager-dc1")) {
            JsonNode service = rendered.one("Service", headless);
            assertThat(service.at("/spec/clusterIP").asText()).as(headless).isEqualTo("None");
            assertThat(service.at("/spec/publishNotReadyAddresses").asBoolean()).as(headless).isTrue();
        }

        assertThat(rendered.one("PodDisruptionBudget", "gate").at("/spec/maxUnavailable").asInt()).isEqualTo(1);
        assertThat(rendered.one("PodDisruptionBudget", "manager-dc1").at("/spec/maxUnavailable").asInt()).isEqualTo(1);
        assertThat(rendered.one("PodDisruptionBudget", "worker-dc1").at("/spec/maxUnavailable").asText()).endsWith("%");

        assertThat(rendered.names("NetworkPolicy"))
                .containsExactlyInAnyOrder("gate", "gate-api", "stampede-metrics", "manager-dc1", "worker-dc1");

        JsonNode hpa = rendered.one("HorizontalPodAutoscaler", "worker-dc1");
        assertThat(hpa.path("apiVersion").asText()).isEqualTo("autoscaling/v2");
        assertThat(hpa.at("/spec/scaleTargetRef/kind").asText()).isEqualTo("Deployment");
        assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo("worker-dc1");
        assertThat(hpa.at("/spec/metrics").findValuesAsText("name")).contains("cpu");

        for (JsonNode object : rendered.objects()) {
            assertThat(object.at("/metadata/namespace").asText()).as(describe(object)).isEqualTo(NAMESPACE);
        }
    }

    @Test
    void onlyOpenShiftHasTheRoute() {
        assertThat(render(KUBERNETES).ofKind("Route")).isEmpty();

        JsonNode route = render(OPENSHIFT).one("Route", "gate");
        assertThat(route.path("apiVersion").asText()).isEqualTo("route.openshift.io/v1");
        assertThat(route.at("/spec/to/kind").asText()).isEqualTo("Service");
        assertThat(route.at("/spec/to/name").asText()).isEqualTo("gate");
        assertThat(route.at("/spec/port/targetPort").asText()).isEqualTo("http");
        assertThat(route.at("/spec/tls/termination").asText()).isEqualTo("edge");
    }

    @Test
    void theServiceMonitorIsOptInAndFindsEveryRole() {
        assertThat(render(KUBERNETES).ofKind("ServiceMonitor")).as("needs a CRD: opt-in on Kubernetes").isEmpty();

        Rendered openshift = render(OPENSHIFT);
        JsonNode monitor = openshift.one("ServiceMonitor", "stampede");
        assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics");
        String port = monitor.at("/spec/endpoints/0/port").asText();
        List<JsonNode> scraped = openshift.ofKind("Service").stream()
                .filter(service -> selects(monitor.at("/spec/selector"), labels(service.at("/metadata/labels"))))
                .toList();
        assertThat(scraped.stream().map(ManifestsTest::name))
                .containsExactlyInAnyOrder("gate-headless", "manager-dc1", "worker-dc1");
        for (JsonNode service : scraped) {
            assertThat(service.at("/spec/ports").findValuesAsText("name")).as(name(service)).contains(port);
        }
    }

    // ---- every container ----

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void everyNodeIsProbedOnItsHealthEndpoints(String overlay) {
        for (Node node : render(overlay).nodes()) {
            JsonNode container = node.container();
            assertThat(container.at("/livenessProbe/httpGet/path").asText()).as(node.name()).isEqualTo("/q/health/live");
            assertThat(container.at("/readinessProbe/httpGet/path").asText()).as(node.name()).isEqualTo("/q/health/ready");
            for (String probe : List.of("livenessProbe", "readinessProbe")) {
                assertThat(container.path(probe).path("httpGet").path("port").asText()).as(node.name()).isEqualTo("http");
                assertThat(container.path(probe).path("periodSeconds").asInt()).as(node.name() + " " + probe).isPositive();
                assertThat(container.path(probe).path("timeoutSeconds").asInt()).as(node.name() + " " + probe).isPositive();
            }
            assertThat(node.port("http").path("containerPort").asText()).as(node.name())
                    .isEqualTo(node.literal("STAMPEDE_PORTS_HTTP"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT, "kafka/single-broker", "kafka/single-broker/openshift"})
    void everyContainerHasRequestsAndLimits(String directory) {
        for (Workload workload : render(directory).workloads()) {
            for (JsonNode container : workload.containers()) {
                String what = workload.name() + "/" + container.path("name").asText();
                for (String bound : List.of("requests", "limits")) {
                    for (String resource : List.of("cpu", "memory")) {
                        assertThat(container.path("resources").path(bound).path(resource).asText())
                                .as(what + " " + bound + "." + resource).isNotEmpty();
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void workersOfferWholeCoresTheyAreNotThrottledOn(String overlay) {
        for (Node node : render(overlay).nodes()) {
            if (node.role().equals("worker")) {
                JsonNode resources = node.container().path("resources");
                String limit = resources.at("/limits/cpu").asText();
                assertThat(limit).as(node.name() + ": cores are the CPU limit").matches("[1-9][0-9]*");
                assertThat(resources.at("/requests/cpu").asText()).as(node.name()).isEqualTo(limit);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT, "kafka/single-broker", "kafka/single-broker/openshift"})
    void everyContainerRunsUnprivileged(String directory) {
        for (Workload workload : render(directory).workloads()) {
            JsonNode pod = workload.pod();
            assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).as(workload.name()).isTrue();
            assertThat(pod.at("/securityContext/seccompProfile/type").asText()).as(workload.name()).isEqualTo("RuntimeDefault");
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).as(workload.name()).isFalse();
            assertThat(pod.path("enableServiceLinks").asBoolean(true)).as(workload.name()).isFalse();
            for (JsonNode container : workload.containers()) {
                String what = workload.name() + "/" + container.path("name").asText();
                JsonNode security = container.path("securityContext");
                assertThat(security.path("runAsNonRoot").asBoolean()).as(what).isTrue();
                assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).as(what).isFalse();
                assertThat(texts(security.at("/capabilities/drop"))).as(what).containsExactly("ALL");
                assertThat(security.path("readOnlyRootFilesystem").asBoolean()).as(what).isTrue();
                assertThat(workload.volumeAt(container, "/tmp").path("emptyDir").isObject())
                        .as(what + ": /tmp is an emptyDir").isTrue();
            }
        }
    }

    @Test
    void kubernetesRunsAsAFixedUserAndOpenShiftAsTheOneItAssigns() {
        for (Workload workload : render(KUBERNETES).workloads()) {
            JsonNode security = workload.pod().path("securityContext");
            assertThat(security.path("runAsUser").asInt()).as(workload.name()).isEqualTo(185);
            assertThat(security.path("runAsGroup").asInt(-1)).as(workload.name()).isZero();
            assertThat(security.path("fsGroup").asInt(-1)).as(workload.name()).isZero();
        }
        for (String openshift : List.of(OPENSHIFT, "kafka/single-broker/openshift")) {
            for (Workload workload : render(openshift).workloads()) {
                assertThat(workload.object().findValues("runAsUser")).as(workload.name()).isEmpty();
                assertThat(workload.object().findValues("runAsGroup")).as(workload.name()).isEmpty();
                assertThat(workload.object().findValues("fsGroup")).as(workload.name()).isEmpty();
            }
        }
    }

    // ---- ports, identity, Raft ----

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void nodesDeclareTheMembershipAndRaftPortsTheyListenOn(String overlay) {
        for (Node node : render(overlay).nodes()) {
            JsonNode membership = node.port("membership");
            assertThat(membership.path("protocol").asText()).as(node.name()).isEqualTo("UDP");
            assertThat(membership.path("containerPort").asText()).as(node.name())
                    .isEqualTo(node.literal("STAMPEDE_PORTS_UDP"));
            if (node.role().equals("worker")) {
                assertThat(node.env()).as(node.name()).doesNotContainKey("STAMPEDE_PORTS_GRPC");
            } else {
                JsonNode grpc = node.port("grpc");
                assertThat(grpc.path("protocol").asText()).as(node.name()).isEqualTo("TCP");
                assertThat(grpc.path("containerPort").asText()).as(node.name())
                        .isEqualTo(node.literal("STAMPEDE_PORTS_GRPC"));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void identityAndAddressComeFromTheDownwardApi(String overlay) {
        for (Node node : render(overlay).nodes()) {
            assertThat(node.fieldRef("STAMPEDE_NODE_ID")).as(node.name()).isEqualTo("metadata.name");
            assertThat(node.fieldRef("STAMPEDE_MEMBERSHIP_ADVERTISE_HOST")).as(node.name()).isEqualTo("status.podIP");
            if (node.role().equals("gate")) {
                assertThat(node.env()).as(node.name()).doesNotContainKey("STAMPEDE_NODE_DATACENTER");
            } else {
                assertThat(node.fieldRef("STAMPEDE_NODE_DATACENTER")).as(node.name())
                        .isEqualTo("metadata.labels['" + DATACENTER_LABEL + "']");
                String datacenter = node.podLabels().get(DATACENTER_LABEL);
                assertThat(node.name()).as("the datacenter's name suffix").isEqualTo(node.role() + "-" + datacenter);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void raftMembersKeepTheirLogOnAVolumeAndFindEachOtherByOrdinal(String overlay) {
        Rendered rendered = render(overlay);
        List<Node> raftMembers = rendered.nodes().stream().filter(node -> !node.role().equals("worker")).toList();
        assertThat(raftMembers.stream().map(Node::name)).containsExactlyInAnyOrder("gate", "manager-dc1");
        for (Node node : raftMembers) {
            JsonNode set = node.workload().object();
            assertThat(set.path("kind").asText()).as(node.name()).isEqualTo("StatefulSet");
            assertThat(set.at("/spec/podManagementPolicy").asText()).as(node.name()).isEqualTo("Parallel");

            String claim = set.at("/spec/volumeClaimTemplates/0/metadata/name").asText();
            assertThat(claim).as(node.name()).isNotEmpty();
            assertThat(set.at("/spec/volumeClaimTemplates/0/spec/resources/requests/storage").asText()).isNotEmpty();
            String mountPath = node.mountPath(claim).orElseThrow(() -> new AssertionError(node.name() + " mounts no " + claim));
            assertThat(node.literal("STAMPEDE_LEADERSHIP_STORAGE")).as(node.name()).startsWith(mountPath + "/");

            String service = set.at("/spec/serviceName").asText();
            JsonNode headless = rendered.one("Service", service);
            assertThat(headless.at("/spec/clusterIP").asText()).as(service).isEqualTo("None");
            assertThat(headless.at("/spec/publishNotReadyAddresses").asBoolean()).as(service).isTrue();

            int replicas = set.at("/spec/replicas").asInt();
            String grpc = node.literal("STAMPEDE_PORTS_GRPC");
            String udp = node.literal("STAMPEDE_PORTS_UDP");
            assertThat(node.expanded("STAMPEDE_LEADERSHIP_PEERS")).as(node.name()).isEqualTo(ordinals(replicas)
                    .map(i -> node.name() + "-" + i + "@" + node.name() + "-" + i + "." + service + ":" + grpc)
                    .collect(Collectors.joining(",")));
            assertThat(node.expanded("STAMPEDE_NODE_SEEDS")).as(node.name()).isEqualTo(ordinals(replicas)
                    .map(i -> node.name() + "-" + i + "." + service + ":" + udp)
                    .collect(Collectors.joining(",")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void workersJoinThroughTheirDatacentersManagers(String overlay) {
        Rendered rendered = render(overlay);
        Node workers = rendered.node("worker-dc1");
        Node managers = rendered.node("manager-dc1");
        assertThat(workers.expanded("STAMPEDE_NODE_SEEDS")).isEqualTo(managers.expanded("STAMPEDE_NODE_SEEDS"));
        assertThat(workers.literal("STAMPEDE_PORTS_UDP")).isEqualTo(managers.literal("STAMPEDE_PORTS_UDP"));
    }

    // ---- settings ----

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void noSettingIsLeftPointingAtThisHostOrATemporaryDirectory(String overlay) {
        Rendered rendered = render(overlay);
        for (Node node : rendered.nodes()) {
            // The settings whose defaults only work on one host must be set.
            assertThat(node.env()).as(node.name())
                    .containsKeys("STAMPEDE_MEMBERSHIP_ADVERTISE_HOST", "STAMPEDE_KAFKA_BOOTSTRAP_SERVERS");
            if (!node.role().equals("worker")) {
                assertThat(node.env()).as(node.name()).containsKey("STAMPEDE_LEADERSHIP_STORAGE");
            }
            node.env().forEach((variable, entry) -> {
                if (variable.startsWith("STAMPEDE_")) {
                    assertThat(entry.path("value").asText()).as(node.name() + " " + variable)
                            .doesNotContain(SINGLE_HOST_VALUES);
                }
            });
        }
        rendered.stampedeConfig().path("data").fields().forEachRemaining(entry ->
                assertThat(entry.getValue().asText()).as("stampede-config " + entry.getKey())
                        .doesNotContain(SINGLE_HOST_VALUES));
    }

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void kafkaComesFromTheConfigMapAndTheKeyFromTheSecret(String overlay) {
        Rendered rendered = render(overlay);
        JsonNode config = rendered.stampedeConfig();
        for (Node node : rendered.nodes()) {
            JsonNode bootstrap = node.env().get("STAMPEDE_KAFKA_BOOTSTRAP_SERVERS").at("/valueFrom/configMapKeyRef");
            assertThat(bootstrap.path("name").asText()).as(node.name()).isEqualTo(name(config));
            assertThat(config.path("data").path(bootstrap.path("key").asText()).asText()).as(node.name()).isNotEmpty();

            JsonNode key = node.env().get("STAMPEDE_MEMBERSHIP_KEY").at("/valueFrom/secretKeyRef");
            assertThat(key.path("name").asText()).as(node.name()).isEqualTo("stampede-membership");
            assertThat(key.path("key").asText()).as(node.name()).isEqualTo("key");
            JsonNode recordKey = node.env().get("STAMPEDE_SECURITY_RECORD_KEY").at("/valueFrom/secretKeyRef");
            assertThat(recordKey.path("name").asText()).as(node.name()).isEqualTo("stampede-membership");
            assertThat(recordKey.path("key").asText()).as(node.name()).isEqualTo("record-key");
            assertThat(recordKey.path("optional").asBoolean(false)).as(node.name() + ": no node runs unsigned")
                    .isFalse();
            JsonNode roleKey = node.env().get("STAMPEDE_SECURITY_RECORD_ROLE_KEY").at("/valueFrom/secretKeyRef");
            assertThat(roleKey.path("name").asText()).as(node.name()).isEqualTo("stampede-record-roles");
            assertThat(roleKey.path("key").asText()).as(node.name() + ": its own role's private key only")
                    .isEqualTo(node.role());
            JsonNode publicKeys = node.env().get("STAMPEDE_SECURITY_RECORD_ROLE_PUBLIC_KEYS")
                    .at("/valueFrom/secretKeyRef");
            assertThat(publicKeys.path("name").asText()).as(node.name()).isEqualTo("stampede-record-roles");
            assertThat(publicKeys.path("key").asText()).as(node.name()).isEqualTo("public-keys");
            assertThat(roleKey.path("optional").asBoolean(false) || publicKeys.path("optional").asBoolean(false))
                    .as(node.name() + ": no node runs without role signatures").isFalse();
        }
        assertThat(config.at("/data/kafka-bootstrap-servers").asText())
                .as("the base names the Strimzi cluster's bootstrap Service")
                .isEqualTo(strimziBootstrap());
        assertThat(rendered.ofKind("Secret")).as("the membership, record and role keys are created by hand, never shipped")
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void everyNodeReadsItsApiKeysFromTheSecretAndGatesAndWorkersTheSameTargetPolicy(String overlay) {
        Rendered rendered = render(overlay);
        JsonNode config = rendered.stampedeConfig();
        for (Node node : rendered.nodes()) {
            String file = node.literal("STAMPEDE_SECURITY_API_KEYS_FILE");
            String mount = node.mountPath("api-keys").orElseThrow(() -> new AssertionError(node.name() + " mounts no api-keys"));
            assertThat(file).as(node.name()).startsWith(mount + "/");
            JsonNode volume = stream(node.workload().pod().path("volumes"))
                    .filter(candidate -> candidate.path("name").asText().equals("api-keys")).findFirst().orElseThrow();
            assertThat(volume.at("/secret/secretName").asText()).as(node.name()).isEqualTo("stampede-api-keys");
            assertThat(node.env()).as(node.name()).doesNotContainKey("STAMPEDE_SECURITY_AUTHENTICATION");
            if (!node.role().equals("manager")) {
                JsonNode allow = node.env().get("STAMPEDE_TARGETS_ALLOW").at("/valueFrom/configMapKeyRef");
                assertThat(allow.path("name").asText()).as(node.name()).isEqualTo(name(config));
                assertThat(config.path("data").has(allow.path("key").asText())).as(node.name()).isTrue();
            }
        }
        assertThat(rendered.ofKind("Secret")).as("API keys are created by hand, never shipped").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void theHeapFollowsTheMemoryLimit(String overlay) {
        for (Node node : render(overlay).nodes()) {
            // The images' entrypoint puts JAVA_OPTS_APPEND last on the java command line.
            String options = node.literal("JAVA_OPTS_APPEND");
            assertThat(options).as(node.name()).contains("-XX:MaxRAMPercentage=75");
            if (node.role().equals("worker")) {
                assertThat(options).as(node.name()).contains("-XX:+UseParallelGC");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void everyNodeRunsItsRolesImageWithATag(String overlay) {
        for (Node node : render(overlay).nodes()) {
            assertThat(node.container().path("image").asText()).as(node.name())
                    .matches("stampede/" + node.role() + ":[A-Za-z0-9_][A-Za-z0-9_.-]*");
        }
    }

    // ---- network policies ----

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void networkPoliciesLetInEveryPortANodeDeclares(String overlay) {
        Rendered rendered = render(overlay);
        for (Node node : rendered.nodes()) {
            List<JsonNode> policies = rendered.policiesFor(node.podLabels(), "Ingress");
            assertThat(policies).as(node.name() + " is isolated by some policy").isNotEmpty();
            for (JsonNode port : node.container().path("ports")) {
                boolean allowed = policies.stream()
                        .flatMap(policy -> stream(policy.at("/spec/ingress")))
                        .anyMatch(rule -> allows(rule, port));
                assertThat(allowed).as(node.name() + " port " + port).isTrue();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {KUBERNETES, OPENSHIFT})
    void gatesAndManagersMayReachKafkaAndDnsAndWorkersAnything(String overlay) {
        Rendered rendered = render(overlay);
        for (Node node : rendered.nodes()) {
            List<JsonNode> policies = rendered.policiesFor(node.podLabels(), "Egress");
            if (node.role().equals("worker")) {
                assertThat(policies).as(node.name() + ": the load goes wherever jobs point it").isEmpty();
                continue;
            }
            assertThat(policies).as(node.name()).isNotEmpty();
            for (JsonNode wanted : List.of(port("TCP", 9092), port("UDP", 53))) {
                boolean allowed = policies.stream()
                        .flatMap(policy -> stream(policy.at("/spec/egress")))
                        .anyMatch(rule -> rule.path("to").isMissingNode() && allows(rule, wanted));
                assertThat(allowed).as(node.name() + " egress " + wanted).isTrue();
            }
        }
    }

    @Test
    void openShiftLetsInItsRouterAndItsMonitoring() {
        Rendered openshift = render(OPENSHIFT);
        assertThat(openshift.one("NetworkPolicy", "gate-api").at("/spec/ingress/0/from").toString())
                .contains("policy-group.network.openshift.io/ingress");
        assertThat(openshift.one("NetworkPolicy", "stampede-metrics").at("/spec/ingress/0/from").toString())
                .contains("\"network.openshift.io/policy-group\":\"monitoring\"");
    }

    // ---- adding to the base, as the README says ----

    @Test
    void aSecondDatacenterIsACopyOfTheFirstUnderAnotherName(@TempDir Path copy) throws IOException {
        copyDeploy(copy);
        Path dc1 = copy.resolve("datacenters/dc1/kustomization.yaml");
        Path eu2 = copy.resolve("datacenters/eu-2/kustomization.yaml");
        Files.createDirectories(eu2.getParent());
        Files.writeString(eu2, Files.readString(dc1).replace("dc1", "eu-2"));
        Path base = copy.resolve("base/kustomization.yaml");
        String kustomization = Files.readString(base);
        assertThat(kustomization).contains("  - ../datacenters/dc1\n");
        Files.writeString(base, kustomization.replace("  - ../datacenters/dc1\n",
                "  - ../datacenters/dc1\n  - ../datacenters/eu-2\n"));

        Rendered rendered = renderDirectory(copy.resolve(KUBERNETES));

        assertThat(rendered.objects().stream().map(ManifestsTest::describe)).doesNotHaveDuplicates();
        Node managers = rendered.node("manager-eu-2");
        assertThat(managers.podLabels()).containsEntry(DATACENTER_LABEL, "eu-2");
        assertThat(managers.expanded("STAMPEDE_LEADERSHIP_PEERS")).isEqualTo(
                "manager-eu-2-0@manager-eu-2-0.manager-eu-2:9000,manager-eu-2-1@manager-eu-2-1.manager-eu-2:9000,"
                        + "manager-eu-2-2@manager-eu-2-2.manager-eu-2:9000");
        rendered.one("Service", "manager-eu-2");
        assertThat(rendered.node("worker-eu-2").expanded("STAMPEDE_NODE_SEEDS"))
                .isEqualTo(managers.expanded("STAMPEDE_NODE_SEEDS"));
        assertThat(rendered.one("NetworkPolicy", "manager-eu-2").at("/spec/podSelector/matchLabels/"
                + DATACENTER_LABEL.replace("/", "~1")).asText()).isEqualTo("eu-2");
        assertThat(rendered.one("HorizontalPodAutoscaler", "worker-eu-2").at("/spec/scaleTargetRef/name").asText())
                .isEqualTo("worker-eu-2");
        rendered.node("manager-dc1");
    }

    @Test
    void theSingleBrokerComponentPointsEveryNodeAtTheBroker(@TempDir Path copy) throws IOException {
        copyDeploy(copy);
        Path overlay = copy.resolve(KUBERNETES).resolve("kustomization.yaml");
        String kustomization = Files.readString(overlay);
        // As the docs say: uncomment `components:` and the component's line.
        assertThat(kustomization).contains("# components:\n", "#   - ../../components/single-broker-kafka ");
        Files.writeString(overlay, kustomization.replace("# components:\n", "components:\n")
                .replace("#   - ../../components/single-broker-kafka ", "  - ../../components/single-broker-kafka "));

        String bootstrap = renderDirectory(overlay.getParent()).stampedeConfig().at("/data/kafka-bootstrap-servers").asText();

        JsonNode broker = render("kafka/single-broker").one("Service", "kafka");
        assertThat(bootstrap).isEqualTo(name(broker) + ":" + broker.at("/spec/ports/0/port").asText());
    }

    // ---- Kafka ----

    @Test
    void strimziRunsAKRaftClusterWithEveryTopic() {
        Rendered strimzi = render("kafka/strimzi");
        JsonNode kafka = strimzi.ofKind("Kafka").get(0);
        assertThat(strimzi.ofKind("Kafka")).hasSize(1);
        assertThat(name(kafka) + "-kafka-bootstrap:" + kafka.at("/spec/kafka/listeners/0/port").asText())
                .as("the bootstrap Service the base's ConfigMap names").isEqualTo(strimziBootstrap());
        assertThat(kafka.at("/spec/kafka/config/auto.create.topics.enable").asBoolean(true)).isFalse();
        assertThat(kafka.at("/spec/entityOperator/topicOperator").isObject()).isTrue();

        JsonNode pool = strimzi.ofKind("KafkaNodePool").get(0);
        assertThat(pool.at("/metadata/labels/strimzi.io~1cluster").asText()).isEqualTo(name(kafka));
        assertThat(texts(pool.at("/spec/roles"))).containsExactlyInAnyOrder("controller", "broker");
        assertThat(pool.at("/spec/storage/volumes/0/type").asText()).isEqualTo("persistent-claim");

        Map<String, JsonNode> topics = new LinkedHashMap<>();
        for (JsonNode topic : strimzi.ofKind("KafkaTopic")) {
            assertThat(topic.at("/metadata/labels/strimzi.io~1cluster").asText()).isEqualTo(name(kafka));
            topics.put(topic.at("/spec/topicName").asText(), topic);
        }
        assertThat(topics).containsOnlyKeys(stampedeTopics("dc1"));
        for (Topics.TopicSpec spec : Topics.all(List.of("dc1"))) {
            JsonNode resource = topics.get(spec.name());
            assertThat(resource.at("/spec/partitions").asInt()).as(spec.name()).isEqualTo(3);
            assertThat(resource.at("/spec/config/max.message.bytes").asText()).as(spec.name()).isEqualTo(MAX_MESSAGE_BYTES);
            spec.configs().forEach((key, value) -> assertThat(resource.at("/spec/config").path(key).asText())
                    .as(spec.name() + " " + key).isEqualTo(value));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"kafka/single-broker", "kafka/single-broker/openshift"})
    void theSingleBrokerKeepsItsLogOnAVolumeAndCreatesEveryTopic(String directory) {
        Rendered rendered = render(directory);
        Workload broker = rendered.workload("StatefulSet", "kafka");
        JsonNode container = broker.containers().get(0);
        assertThat(container.path("image").asText()).isEqualTo("apache/kafka:4.1.1");
        assertThat(broker.object().at("/spec/replicas").asInt()).isEqualTo(1);

        String claim = broker.object().at("/spec/volumeClaimTemplates/0/metadata/name").asText();
        String mountPath = stream(container.path("volumeMounts"))
                .filter(mount -> mount.path("name").asText().equals(claim))
                .map(mount -> mount.path("mountPath").asText())
                .findFirst().orElseThrow();
        String properties = rendered.ofKind("ConfigMap").get(0).at("/data/server.properties").asText();
        Matcher logDirs = Pattern.compile("(?m)^log\\.dirs=(.+)$").matcher(properties);
        assertThat(logDirs.find()).isTrue();
        assertThat(logDirs.group(1)).startsWith(mountPath + "/");
        assertThat(properties).contains("auto.create.topics.enable=false");

        JsonNode job = rendered.workload("Job", "kafka-topics").containers().get(0);
        String script = job.path("command").toString() + job.path("args").toString();
        assertThat(script).contains("stampede.jobs.events", "stampede.deadletter", "stampede.dc.$dc.jobs",
                "stampede.dc.$dc.dispatch", "stampede.dc.$dc.progress", "max.message.bytes=" + MAX_MESSAGE_BYTES,
                "cleanup.policy=delete");
        // The finished jobs' results: compacted, and deleted after their retention, as Topics says.
        Map<String, String> results = new Topics.TopicSpec(Topics.JOB_RESULTS, true).configs();
        int created = script.indexOf("--topic " + Topics.JOB_RESULTS);
        assertThat(created).as(script).isPositive();
        String command = script.substring(created, Math.min(script.length(), created + 400));
        results.forEach((key, value) -> assertThat(command).contains("--config " + key + "=" + value));
        assertThat(stream(job.path("env")).filter(entry -> entry.path("name").asText().equals("DATACENTERS"))
                .map(entry -> entry.path("value").asText())).containsExactly("dc1");
        assertThat(stream(job.path("env")).filter(entry -> entry.path("name").asText().equals("BOOTSTRAP"))
                .map(entry -> entry.path("value").asText())).containsExactly("kafka:9092");
    }

    // ---- rendering ----

    /** A directory under deploy/, rendered once per test run. */
    private static Rendered render(String directory) {
        return RENDERED.computeIfAbsent(DEPLOY.resolve(directory).normalize(), ManifestsTest::renderDirectory);
    }

    private static Rendered renderDirectory(Path directory) {
        try {
            Path errors = Files.createTempFile("kustomize", ".err");
            try {
                Process process = new ProcessBuilder(KUBECTL.orElseThrow().toString(), "kustomize", directory.toString())
                        .redirectError(errors.toFile())
                        .start();
                process.getOutputStream().close();
                String yaml = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(2, TimeUnit.MINUTES)) {
                    process.destroyForcibly();
                    fail("kubectl kustomize " + directory + " did not finish within 2 minutes");
                }
                if (process.exitValue() != 0) {
                    fail("kubectl kustomize " + directory + " failed (exit " + process.exitValue() + "): "
                            + Files.readString(errors));
                }
                return Rendered.parse(yaml);
            } finally {
                Files.deleteIfExists(errors);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kubectl kustomize " + directory, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rendering " + directory, e);
        }
    }

    /** Copies the kustomizations under deploy/ to {@code target}, for a test to change them. */
    private static void copyDeploy(Path target) throws IOException {
        for (String directory : List.of("base", "components", "datacenters", "overlays", "kafka")) {
            Path source = DEPLOY.resolve(directory);
            try (Stream<Path> paths = Files.walk(source)) {
                for (Path path : paths.toList()) {
                    Path copy = target.resolve(directory).resolve(source.relativize(path).toString());
                    if (Files.isDirectory(path)) {
                        Files.createDirectories(copy);
                    } else {
                        Files.copy(path, copy);
                    }
                }
            }
        }
    }

    private static Optional<Path> onPath(String command) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        return Stream.of(path.split(Pattern.quote(File.pathSeparator)))
                .filter(entry -> !entry.isBlank())
                .map(entry -> Path.of(entry, command))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** The bootstrap servers the base's ConfigMap names. */
    private static String strimziBootstrap() {
        return render(KUBERNETES).stampedeConfig().at("/data/kafka-bootstrap-servers").asText();
    }

    /** Every topic of an installation with these datacenters, as {@code io.stampede.model.Topics.all}. */
    private static Set<String> stampedeTopics(String... datacenters) {
        Set<String> topics = new TreeSet<>(Set.of("stampede.jobs.events", "stampede.jobs.results", "stampede.deadletter"));
        for (String datacenter : datacenters) {
            for (String kind : List.of("jobs", "dispatch", "progress")) {
                topics.add("stampede.dc." + datacenter + "." + kind);
            }
        }
        return topics;
    }

    // ---- reading the objects ----

    /** The objects one kustomization renders to. */
    record Rendered(List<JsonNode> objects) {

        private static final YAMLMapper YAML = new YAMLMapper();

        static Rendered parse(String yaml) throws IOException {
            List<JsonNode> objects = new ArrayList<>();
            try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(yaml)) {
                while (documents.hasNext()) {
                    JsonNode document = documents.next();
                    if (document != null && document.isObject() && document.size() > 0) {
                        objects.add(document);
                    }
                }
            }
            assertThat(objects).as("rendered objects").isNotEmpty();
            return new Rendered(List.copyOf(objects));
        }

        List<JsonNode> ofKind(String kind) {
            return objects.stream().filter(object -> object.path("kind").asText().equals(kind)).toList();
        }

        List<String> names(String kind) {
            return ofKind(kind).stream().map(ManifestsTest::name).toList();
        }

        JsonNode one(String kind, String name) {
            List<JsonNode> found = ofKind(kind).stream().filter(object -> name(object).equals(name)).toList();
            assertThat(found).as(kind + " " + name + " among " + names(kind)).hasSize(1);
            return found.get(0);
        }

        /** Everything that runs pods. */
        List<Workload> workloads() {
            return objects.stream()
                    .filter(object -> Set.of("StatefulSet", "Deployment", "Job").contains(object.path("kind").asText()))
                    .map(Workload::new)
                    .toList();
        }

        Workload workload(String kind, String name) {
            return new Workload(one(kind, name));
        }

        /** The Stampede nodes: each workload of gates, managers or workers, by its one container. */
        List<Node> nodes() {
            List<Node> nodes = workloads().stream()
                    .filter(workload -> "stampede".equals(workload.podLabels().get("app.kubernetes.io/name")))
                    .map(Node::new)
                    .toList();
            assertThat(nodes.stream().map(Node::role)).contains("gate", "manager", "worker");
            return nodes;
        }

        Node node(String name) {
            return nodes().stream().filter(node -> node.name().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no Stampede workload " + name + " among "
                            + nodes().stream().map(Node::name).toList()));
        }

        /** The ConfigMap every node reads its shared settings from (its name carries a hash). */
        JsonNode stampedeConfig() {
            List<JsonNode> found = ofKind("ConfigMap").stream()
                    .filter(map -> name(map).startsWith("stampede-config")).toList();
            assertThat(found).as("the ConfigMap stampede-config").hasSize(1);
            return found.get(0);
        }

        /** The network policies of {@code type} (Ingress, Egress) that select pods with these labels. */
        List<JsonNode> policiesFor(Map<String, String> podLabels, String type) {
            return ofKind("NetworkPolicy").stream()
                    .filter(policy -> texts(policy.at("/spec/policyTypes")).contains(type))
                    .filter(policy -> selects(policy.at("/spec/podSelector"), podLabels))
                    .toList();
        }
    }

    /** A StatefulSet, Deployment or Job. */
    record Workload(JsonNode object) {

        String name() {
            return ManifestsTest.name(object);
        }

        JsonNode pod() {
            return object.at("/spec/template/spec");
        }

        Map<String, String> podLabels() {
            return labels(object.at("/spec/template/metadata/labels"));
        }

        List<JsonNode> containers() {
            List<JsonNode> containers = stream(pod().path("containers")).toList();
            assertThat(containers).as(name()).isNotEmpty();
            return containers;
        }

        /** The pod volume {@code container} mounts at {@code path}. */
        JsonNode volumeAt(JsonNode container, String path) {
            String volume = stream(container.path("volumeMounts"))
                    .filter(mount -> mount.path("mountPath").asText().equals(path))
                    .map(mount -> mount.path("name").asText())
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(name() + " mounts nothing at " + path));
            return stream(pod().path("volumes"))
                    .filter(candidate -> candidate.path("name").asText().equals(volume))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(name() + " has no volume " + volume));
        }
    }

    /** A workload of Stampede nodes, its role and its one container's settings. */
    record Node(Workload workload) {

        Node {
            assertThat(workload.containers()).as(workload.name() + ": one container").hasSize(1);
        }

        String name() {
            return workload.name();
        }

        Map<String, String> podLabels() {
            return workload.podLabels();
        }

        String role() {
            return podLabels().get("app.kubernetes.io/component");
        }

        JsonNode container() {
            return workload.containers().get(0);
        }

        /** The container's environment by variable name. */
        Map<String, JsonNode> env() {
            Map<String, JsonNode> env = new LinkedHashMap<>();
            for (JsonNode entry : container().path("env")) {
                assertThat(env.put(entry.path("name").asText(), entry)).as(name() + " sets it once").isNull();
            }
            return env;
        }

        /** A variable set to a value written in the manifest. */
        String literal(String variable) {
            JsonNode entry = env().get(variable);
            assertThat(entry).as(name() + " sets " + variable).isNotNull();
            assertThat(entry.has("value")).as(name() + " " + variable + " is a literal").isTrue();
            return entry.path("value").asText();
        }

        /** The field of the pod a variable is read from (downward API). */
        String fieldRef(String variable) {
            JsonNode entry = env().get(variable);
            assertThat(entry).as(name() + " sets " + variable).isNotNull();
            return entry.at("/valueFrom/fieldRef/fieldPath").asText();
        }

        /**
         * A literal variable with the {@code $(OTHER)} references Kubernetes expands, expanded; an
         * {@code OTHER} read from a pod label takes the pod template's label. Kubernetes expands
         * only variables defined before the one that refers to them.
         */
        String expanded(String variable) {
            List<String> order = new ArrayList<>(env().keySet());
            Matcher reference = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(literal(variable));
            StringBuilder expanded = new StringBuilder();
            while (reference.find()) {
                assertThat(order.indexOf(reference.group(1))).as(name() + ": " + reference.group(1) + " is set before "
                        + variable).isBetween(0, order.indexOf(variable) - 1);
                reference.appendReplacement(expanded, Matcher.quoteReplacement(valueOf(reference.group(1))));
            }
            reference.appendTail(expanded);
            return expanded.toString();
        }

        private String valueOf(String variable) {
            JsonNode entry = env().get(variable);
            assertThat(entry).as(name() + " refers to " + variable + ", which it does not set").isNotNull();
            if (entry.has("value")) {
                return entry.path("value").asText();
            }
            Matcher label = Pattern.compile("metadata\\.labels\\['(.+)'\\]").matcher(fieldRef(variable));
            assertThat(label.matches()).as(name() + " " + variable + " is a label or a literal").isTrue();
            String value = podLabels().get(label.group(1));
            assertThat(value).as(name() + " has the label " + label.group(1)).isNotNull();
            return value;
        }

        /** The container port with this name. */
        JsonNode port(String portName) {
            return stream(container().path("ports"))
                    .filter(port -> port.path("name").asText().equals(portName))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(name() + " declares no port " + portName));
        }

        Optional<String> mountPath(String volume) {
            return stream(container().path("volumeMounts"))
                    .filter(mount -> mount.path("name").asText().equals(volume))
                    .map(mount -> mount.path("mountPath").asText())
                    .findFirst();
        }
    }

    // ---- small helpers over JSON trees ----

    private static String name(JsonNode object) {
        return object.at("/metadata/name").asText();
    }

    private static String describe(JsonNode object) {
        return object.path("kind").asText() + "/" + name(object);
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> elements = new ArrayList<>();
        array.forEach(elements::add);
        return elements.stream();
    }

    private static List<String> texts(JsonNode array) {
        return stream(array).map(JsonNode::asText).toList();
    }

    private static Map<String, String> labels(JsonNode labels) {
        Map<String, String> map = new LinkedHashMap<>();
        labels.fields().forEachRemaining(entry -> map.put(entry.getKey(), entry.getValue().asText()));
        return map;
    }

    private static Stream<Integer> ordinals(int replicas) {
        return IntStream.range(0, replicas).boxed();
    }

    /** Whether a label selector (matchLabels and matchExpressions) selects these labels. */
    private static boolean selects(JsonNode selector, Map<String, String> labels) {
        boolean matches = labels(selector.path("matchLabels")).entrySet().stream()
                .allMatch(entry -> entry.getValue().equals(labels.get(entry.getKey())));
        for (JsonNode expression : selector.path("matchExpressions")) {
            String value = labels.get(expression.path("key").asText());
            List<String> values = texts(expression.path("values"));
            matches &= switch (expression.path("operator").asText()) {
                case "In" -> value != null && values.contains(value);
                case "NotIn" -> value == null || !values.contains(value);
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> throw new AssertionError("unknown selector operator in " + expression);
            };
        }
        return matches;
    }

    private static JsonNode port(String protocol, int number) {
        return JsonNodeFactory.instance.objectNode().put("protocol", protocol).put("containerPort", number);
    }

    /**
     * Whether a network policy rule lets through a port, given as a container port (name,
     * containerPort, protocol): a rule without ports allows every port; a rule port matches by
     * number (or range) or by name, and protocol (TCP when unset).
     */
    private static boolean allows(JsonNode rule, JsonNode containerPort) {
        if (!rule.has("ports")) {
            return true;
        }
        String protocol = containerPort.path("protocol").asText("TCP");
        int number = containerPort.path("containerPort").asInt();
        String portName = containerPort.path("name").asText("");
        for (JsonNode allowed : rule.path("ports")) {
            if (!allowed.path("protocol").asText("TCP").equals(protocol)) {
                continue;
            }
            JsonNode port = allowed.path("port");
            if (port.isMissingNode()
                    || (port.isInt() && port.asInt() <= number && number <= allowed.path("endPort").asInt(port.asInt()))
                    || (port.isTextual() && port.asText().equals(portName))) {
                return true;
            }
        }
        return false;
    }
}
