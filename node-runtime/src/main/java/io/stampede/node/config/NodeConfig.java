package io.stampede.node.config;

import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings every node reads, under {@code stampede.*}. Each key can also be set by environment
 * variable: upper case, dots and dashes as underscores ({@code STAMPEDE_NODE_DATACENTER}).
 * Values are checked at start-up by {@link NodeSettings#problems()}.
 */
@ConfigMapping(prefix = "stampede")
public interface NodeConfig {

    /** Who this node is. */
    Node node();

    /** How to reach Kafka. */
    Kafka kafka();

    /** Where this node listens. */
    Ports ports();

    /** How this node takes part in membership (SWIM over UDP). */
    Membership membership();

    /** How a manager takes part in its datacenter's leadership (Raft over gRPC). */
    Leadership leadership();

    /** The managers' control calls (the gates' probes). */
    Control control();

    /** How long this node keeps what it knows about jobs that have ended (its job ledger). */
    Jobs jobs();

    /** How this node judges its own load and pushes back when it has too much. */
    Overload overload();

    /** How gates probe datacenters and route jobs to them (docs/routing.md). */
    Routing routing();

    /** Which protocol this node claims to speak: for upgrade rehearsals and tests only (docs/deployment.md). */
    Protocol protocol();

    /** Who may call this node's API (docs/security.md). */
    Security security();

    /** Where load may go: checked by gates at submission and by workers before every request (docs/security.md). */
    Targets targets();

    /** Workers: where the values of {@code {{secret:name}}} come from (docs/security.md#secrets-in-jobs). */
    Secrets secrets();

    interface Secrets {
        /**
         * A directory holding one file per secret, named as the secret (a mounted Secret); the
         * environment variable {@code STAMPEDE_SECRET_<NAME>} wins over it. None: the environment only.
         */
        Optional<String> directory();
    }

    interface Targets {
        /**
         * Hosts ({@code name}, {@code *.domain}), addresses and CIDRs load may go to where a default
         * denies it (loopback, private, link-local), comma-separated; never cloud metadata addresses.
         */
        Optional<List<String>> allow();

        /** Hosts, addresses and CIDRs load never goes to, comma-separated. */
        Optional<List<String>> deny();

        /** Whether loopback addresses may be targets: no in production, yes under {@code stampede local}. */
        @WithDefault("false")
        boolean allowLoopback();

        /**
         * Whether private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) may be targets:
         * no in production (open the ranges your systems under test use with {@code allow}), yes under
         * {@code stampede local}.
         */
        @WithDefault("false")
        boolean allowPrivate();
    }

    interface Security {
        /**
         * Whether every {@code /api/} request must present an API key with the role it needs. On by
         * default; {@code false} lets anyone reach the API, for a single trusted machine only (a
         * warning says so at start).
         */
        @WithDefault("true")
        boolean authentication();

        /**
         * API keys, comma-separated, each {@code name:roles:sha256} with roles joined by {@code +}
         * ({@code read}, {@code submit}, {@code admin}) and the hex SHA-256 of the key, optionally
         * followed by {@code :vus=N;rate=R;duration=D}, the key's limits per job
         * ({@code stampede key new} prints one).
         */
        Optional<List<String>> apiKeys();

        /** A file of API keys in the same form, one per line ({@code #} starts a comment): a mounted Secret. */
        Optional<String> apiKeysFile();

        /**
         * Gates: the Stampede roles each group of an OIDC access token gives, comma-separated
         * {@code group=roles} with roles joined by {@code +} ({@code perf-engineers=read+submit}); a
         * token's other groups and roles give none.
         */
        Optional<List<String>> oidcRoles();

        /**
         * Gates: the limits per job of every caller who presents an OIDC access token, in a key's
         * form ({@code vus=N;rate=R;duration=D}); none: only the job format's.
         */
        Optional<String> oidcLimits();

        /**
         * The key every node of the cluster signs its Kafka records with and checks every record it
         * reads against (16 bytes or more); none: records are neither signed nor checked.
         */
        Optional<String> recordKey();

        /** A second record key accepted, never signed with, while keys are rolled over (docs/security.md). */
        Optional<String> recordSecondaryKey();

        /**
         * Whether records without a MAC are accepted too (wrongly signed ones never are): while
         * signing is switched on in a running cluster, and until its topics hold no record written
         * before (the results topic keeps them 7 days).
         */
        @WithDefault("false")
        boolean recordAcceptUnsigned();

        /**
         * This node's role's Ed25519 private key (base64 of its PKCS#8 form): with
         * {@link #recordRolePublicKeys}, every record it writes is also signed by its role, and every
         * record it reads must be signed by a role that writes its topic (docs/security.md#role-signatures).
         */
        Optional<String> recordRoleKey();

        /** Every role's Ed25519 public key, {@code gate=…,manager=…,worker=…} (base64 of the X.509 form). */
        Optional<List<String>> recordRolePublicKeys();

        /**
         * This node's own Ed25519 private key (base64 of its PKCS#8 form), instead of its role's:
         * with {@link #recordNodeCertificate} and {@link #recordRolePublicKeys}, it signs its records
         * as itself, and readers refuse a record of its key in another node's name
         * (docs/security.md#node-keys).
         */
        Optional<String> recordNodeKey();

        /** The certificate of {@link #recordNodeKey}'s public key, made with this node's role's key ({@code stampede key node}). */
        Optional<String> recordNodeCertificate();

        /**
         * Whether records with a good MAC but no role signature are accepted too (wrongly signed ones
         * never are): while role signatures are switched on in a running cluster.
         */
        @WithDefault("false")
        boolean recordRoleAcceptUnsigned();

        /**
         * Whether every record read must carry a node's certificate, a manager's or a worker's naming
         * its datacenter: records signed with a role's own private key are refused
         * (docs/security.md#requiring-node-certificates). Needs {@link #recordNodeKey}.
         */
        @WithDefault("false")
        boolean recordRequireNodeCertificate();
    }

    interface Protocol {
        /** Another protocol version MAJOR.MINOR to write and read records in; none: this build's. */
        Optional<String> version();

        /** Capabilities to claim on top of this build's, comma-separated. */
        Optional<List<String>> extraCapabilities();

        /**
         * The protocol MAJOR.MINOR every node of the cluster runs at least, set once it does
         * (docs/deployment.md#upgrading): what every node of it speaks is used with every peer.
         */
        Optional<String> minimum();
    }

    interface Routing {
        /** Gates: how often each datacenter's leading manager is probed. */
        @WithDefault("2s")
        java.time.Duration probeInterval();

        /** Gates: how long a probe may take before it counts as failed. */
        @WithDefault("5s")
        java.time.Duration probeTimeout();

        /** Gates: datacenters to expect; each shows as AWAITING until it is heard from. */
        Optional<List<String>> expectedDatacenters();

        /**
         * Managers: a delay added to every probe answer, to simulate a distant datacenter on one
         * machine ({@code stampede local up --rtt}). 0 in production.
         */
        @WithDefault("0s")
        java.time.Duration simulatedRtt();
    }

    interface Node {
        /** Unique id in the cluster; default: role, datacenter and a random suffix, e.g. {@code worker-dc1-3f9a2c}. */
        Optional<String> id();

        /** Datacenter this node belongs to (lower-case letters, digits, dashes); required for managers and workers. */
        Optional<String> datacenter();

        /** Nodes to join through, as comma-separated host:udp-port; none means this node starts a cluster. */
        Optional<List<String>> seeds();
    }

    interface Kafka {
        /** Kafka bootstrap servers, comma-separated host:port. */
        @WithDefault("localhost:9092")
        String bootstrapServers();

        /**
         * Whether a record this node rejects (unreadable, impossible, or failing to apply) is also
         * copied to the dead-letter topic ({@code stampede.deadletter}), with where it came from and
         * why, for someone to look at. It is counted and logged either way.
         */
        @WithDefault("false")
        boolean deadLetter();

        /**
         * How every Kafka client of this node connects: {@code PLAINTEXT}, {@code SSL},
         * {@code SASL_PLAINTEXT} or {@code SASL_SSL} (docs/security.md#kafka).
         */
        @WithDefault("PLAINTEXT")
        String securityProtocol();

        /** With SASL: {@code SCRAM-SHA-256}, {@code SCRAM-SHA-512} or {@code PLAIN}. */
        Optional<String> saslMechanism();

        /** With SASL: the user this node's clients log in as. */
        Optional<String> saslUsername();

        /** With SASL: its password (set it from a Secret; it is never logged). */
        Optional<String> saslPassword();

        /** With SSL: a trust store of the brokers' certificate authority; none: the JVM's own. */
        Optional<String> truststore();

        /** The trust store's password, if it has one. */
        Optional<String> truststorePassword();

        /** The trust store's type: {@code PEM}, {@code PKCS12} or {@code JKS}. */
        Optional<String> truststoreType();
    }

    interface Ports {
        /** HTTP port for REST, health and metrics; each service sets its own default. */
        @WithDefault("8080")
        int http();

        /** gRPC port for node control calls; 0 until the node serves gRPC. */
        @WithDefault("0")
        int grpc();

        /**
         * UDP port for membership and failure detection; 0 picks a free one at start, which suits
         * every node but those others join through (seeds need a known port).
         */
        @WithDefault("0")
        int udp();

        /**
         * TCP port where a manager answers gates' probes over mutual TLS, when
         * {@code stampede.control.tls.*} is set; unused otherwise (probes then share the HTTP port).
         */
        @WithDefault("9443")
        int control();
    }

    interface Membership {
        /**
         * Name of this Stampede installation. Gates form the membership cluster
         * {@code <name>/gates}; the managers and workers of a datacenter form {@code <name>/dc/<datacenter>}.
         * Datagrams from any other cluster are dropped.
         */
        @WithDefault("stampede")
        String clusterName();

        /** Host or address other members reach this node at. */
        @WithDefault("127.0.0.1")
        String advertiseHost();

        /**
         * Local address the membership socket (and a manager's or gate's Raft server) binds to;
         * any other than a loopback address needs a key.
         */
        @WithDefault("0.0.0.0")
        String bindHost();

        /**
         * Shared secret (at least 16 characters) that signs every membership datagram with
         * HMAC-SHA256, stamped and with a nonce; unsigned, wrongly signed, stale (outside 30 s of this
         * node's clock) or replayed datagrams are dropped. Required unless membership binds a
         * loopback address (then unset means unsigned).
         */
        Optional<String> key();

        /** A second key accepted, never signed with, while keys are rolled over (docs/security.md). */
        Optional<String> secondaryKey();
    }

    interface Leadership {
        /**
         * The managers founding this datacenter's Raft group with this one, comma-separated
         * {@code id@host:grpc-port}. Empty: this manager leads a group of one.
         */
        Optional<List<String>> peers();

        /** Directory for this manager's Raft log; default: {@code stampede-raft/<node id>} in the temporary directory. */
        Optional<String> storage();

        /**
         * How long membership must hold a manager DEAD or LEFT before the leader removes it from
         * the Raft group; a founding manager alive again is added back.
         */
        @WithDefault("60s")
        java.time.Duration removeDeadAfter();

        /**
         * Mutual TLS for Raft's gRPC (docs/security.md#raft-over-mutual-tls); unset: plaintext. The
         * certificate names the host this member's peers reach it at.
         */
        Tls tls();
    }

    interface Control {
        /**
         * Mutual TLS for the gates' probes of managers (docs/security.md#probes-over-mutual-tls): a
         * manager then answers them only on {@code stampede.ports.control}, to callers with a
         * certificate of a trusted authority, and a gate probes with its own. A manager's
         * certificate names the host gates probe it at ({@link #advertiseHost}). Unset: probes are
         * plain gRPC on the HTTP port.
         */
        Tls tls();

        /**
         * The host gates probe a manager at, told them in its status records; default:
         * {@code stampede.membership.advertise-host}. A stable name its certificate can carry (a
         * StatefulSet pod's DNS name) where the advertise host is a pod's changing IP address.
         */
        Optional<String> advertiseHost();
    }

    /** Three PEM files for mutual TLS: all three, or none. */
    interface Tls {
        /** PEM file: this node's certificate chain. */
        Optional<String> certificate();

        /** PEM file: this node's private key (PKCS#8, {@code BEGIN PRIVATE KEY}). */
        Optional<String> privateKey();

        /** PEM file: the certificates of the authorities whose certificates this node trusts. */
        Optional<String> trust();
    }

    interface Jobs {
        /**
         * How long an ended job is kept whole after it ends here: for reading its result, re-sending
         * it after a failover, and judging late records. Then it is released, leaving a tombstone.
         */
        @WithDefault("10m")
        java.time.Duration retention();

        /** Ended jobs kept whole at most; beyond it the oldest is released before its retention ends. */
        @WithDefault("1000")
        int maxFinished();

        /** Jobs known at most, running and ended; a new job beyond it is refused (gate: 503). */
        @WithDefault("10000")
        int maxJobs();

        /** Tombstones (ids of released jobs, which turn away their redelivered records) kept at most. */
        @WithDefault("100000")
        int tombstones();

        /** How long a tombstone is kept. */
        @WithDefault("24h")
        java.time.Duration tombstoneAge();

        /**
         * Gates: how long a datacenter may send nothing about a job it runs (a running datacenter
         * reports every second) before it is given up as LOST and the job ends with what it has.
         */
        @WithDefault("30s")
        java.time.Duration datacenterSilence();

        /**
         * Managers: how long a live worker may send no heartbeat (it sends one every 2 s) before its
         * running shares are treated as lost, whatever membership says: it can no longer write to
         * Kafka, or its process is stuck.
         */
        @WithDefault("10s")
        java.time.Duration workerSilence();

        /**
         * Gates: how long a running job may go with no datacenter completing a request or moving a
         * workflow on before it is ended as stuck (FAILED, with what it has).
         */
        @WithDefault("180s")
        java.time.Duration stuckAfter();

        /**
         * Managers: how long a job that came while no worker had a free core waits (QUEUED) for one
         * before it starts anyway, sharing the workers with the jobs running. 0: jobs never wait.
         * Keep it well under the gates' {@code stuck-after}, which a waiting job counts towards.
         */
        @WithDefault("60s")
        java.time.Duration queueLimit();

        /**
         * Gates: the error rate (failed and unsent requests over all attempted, 0 to 1) at or above
         * which a job that sets no threshold fails its default threshold; a job that sets thresholds
         * fails only when every request failed.
         */
        @WithDefault("0.1")
        double maxErrorRate();
    }

    interface Overload {
        /** Whether a node sheds work by its load state (BUSY sheds LOW work, and so on); off only for experiments. */
        @WithDefault("true")
        boolean shedding();

        /** The least latency baseline a rise is measured against, so that 20 ms after 1 ms is not "twice as slow". */
        @WithDefault("100ms")
        java.time.Duration latencyFloor();

        /** Gates: whether each client's requests are rate-limited (per operation; see the next keys). */
        @WithDefault("true")
        boolean rateLimit();

        /** Gates: the period the rate limits below are counted over. */
        @WithDefault("10s")
        java.time.Duration ratePeriod();

        /** Gates: job submissions per client per period. */
        @WithDefault("50")
        int submitRate();

        /** Gates: job submissions a client may make at once, before the rate applies. */
        @WithDefault("10")
        int submitBurst();

        /** Gates: reads per client per period, in each of three buckets (jobs and datacenters; event streams; the node, cluster and leadership). */
        @WithDefault("500")
        int readRate();

        /** Gates: job listings per client per period. */
        @WithDefault("100")
        int listRate();

        /** Gates: cancels per client per period. */
        @WithDefault("20")
        int cancelRate();

        /** Gates: live event streams open at once on this gate. */
        @WithDefault("1000")
        int maxEventStreams();

        /** Gates: live event streams open at once per client. */
        @WithDefault("20")
        int maxEventStreamsPerClient();

        /**
         * Workers: the heap the engine may fill, as a fraction of the maximum heap; at 85 % of it
         * the worker is STRESSED, at 100 % OVERLOADED (no new shares; it sheds its newest virtual users).
         */
        @WithDefault("0.9")
        double memoryBudget();

        /** Workers: what one virtual user is reckoned to need, to refuse a share too large for the budget. */
        @WithDefault("16K")
        io.quarkus.runtime.configuration.MemorySize memoryPerVu();
    }
}
