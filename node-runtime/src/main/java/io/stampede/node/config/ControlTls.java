package io.stampede.node.config;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Mutual TLS for the managers' control calls (the gates' probes), as configured under
 * {@code stampede.control.tls.*} and {@code stampede.ports.control}, and the checks those
 * settings must pass (docs/security.md#probes-over-mutual-tls). Pure but for reading the files.
 *
 * @param port          where a manager answers probes while TLS is on
 * @param advertiseHost the host gates probe a manager at
 */
public record ControlTls(Optional<String> certificate, Optional<String> privateKey, Optional<String> trust,
        int port, String advertiseHost) {

    private static final String PORT = "stampede.ports.control";

    public static ControlTls of(NodeConfig config) {
        NodeConfig.Tls tls = config.control().tls();
        return new ControlTls(tls.certificate(), tls.privateKey(), tls.trust(), config.ports().control(),
                config.control().advertiseHost().orElse(config.membership().advertiseHost()));
    }

    /** Where a manager tells gates to probe it: its control port while TLS is on, else its HTTP port. */
    public String probeAddress(int httpPort) {
        String host = advertiseHost.contains(":") ? "[" + advertiseHost + "]" : advertiseHost;
        return host + ":" + (on() ? port : httpPort);
    }

    /** The three files, once checked ({@link #problems}). */
    public record Files(Path certificate, Path privateKey, Path trust) {
    }

    /** The files when all three are given: probes are then over mutual TLS only. */
    public Optional<Files> files() {
        if (certificate.isEmpty() || privateKey.isEmpty() || trust.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Files(Path.of(certificate.get()), Path.of(privateKey.get()), Path.of(trust.get())));
    }

    /** Whether probes are over mutual TLS. */
    public boolean on() {
        return files().isPresent();
    }

    /**
     * Every problem with these settings, each as {@code key: what is wrong}: the files
     * ({@link TlsFiles}) checked at {@code now}, and, for a manager, against the host gates reach
     * it at ({@link #advertiseHost}); the port, while TLS is on.
     *
     * @param manager whether this node answers probes (a gate only makes them)
     */
    public List<String> problems(boolean manager, int httpPort, Instant now) {
        Optional<String> reachedAt = manager ? Optional.of(advertiseHost) : Optional.empty();
        List<String> problems = new ArrayList<>(TlsFiles.problems(TlsFiles.CONTROL, certificate, privateKey, trust,
                reachedAt, now));
        if (on() && manager) {
            if (port < 1 || port > 65_535) {
                problems.add(PORT + ": " + port + " is not a port (1 to 65535): gates are told where to probe,"
                        + " so it cannot be picked at start");
            } else if (port == httpPort) {
                problems.add(PORT + ": " + port + " is also the HTTP port");
            }
        }
        return problems;
    }

    /** What to warn about at start: a certificate that expires soon. */
    public List<String> warnings(Instant now) {
        return files().map(files -> TlsFiles.warnings(TlsFiles.CONTROL, files.certificate(), now)).orElse(List.of());
    }
}
