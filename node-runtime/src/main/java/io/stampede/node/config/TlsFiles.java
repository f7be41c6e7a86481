package io.stampede.node.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.stampede.cluster.net.HostPort;

/**
 * What is wrong with a node's three mutual-TLS files, for Raft ({@code stampede.leadership.tls.*},
 * docs/security.md#raft-over-mutual-tls) or for the managers' control calls
 * ({@code stampede.control.tls.*}, docs/security.md#probes-over-mutual-tls), found before the node
 * starts rather than as a group that never elects a leader or a datacenter no gate can probe: all
 * three or none; each must be PEM of its kind; the key must be the certificate's; the certificate
 * must be valid now and, where it is checked, name the host others reach the node at. Reads the
 * files; otherwise pure, the time given.
 */
final class TlsFiles {

    /** The settings of Raft's files. */
    static final String RAFT = "stampede.leadership.tls.";
    /** The settings of the control calls' files. */
    static final String CONTROL = "stampede.control.tls.";
    private static final String BEGIN_CERTIFICATE = "-----BEGIN CERTIFICATE-----";
    private static final String BEGIN_KEY = "-----BEGIN PRIVATE KEY-----";
    private static final String END_KEY = "-----END PRIVATE KEY-----";
    /** A certificate that expires sooner than this is warned about at start. */
    static final Duration EXPIRY_WARNING = Duration.ofDays(30);

    private TlsFiles() {
    }

    /**
     * Every problem with the three settings, each naming its setting: all three are needed or none,
     * then what {@link #problems(String, Path, Path, Path, Optional, Instant)} finds.
     *
     * @param prefix    {@link #RAFT} or {@link #CONTROL}
     * @param reachedAt the host others dial this node at, when its certificate must name it
     */
    static List<String> problems(String prefix, Optional<String> certificate, Optional<String> privateKey,
            Optional<String> trust, Optional<String> reachedAt, Instant now) {
        Map<String, Optional<String>> files = new LinkedHashMap<>();
        files.put("certificate", certificate);
        files.put("private-key", privateKey);
        files.put("trust", trust);
        List<String> given = files.entrySet().stream().filter(file -> file.getValue().isPresent())
                .map(Map.Entry::getKey).toList();
        if (given.isEmpty()) {
            return List.of();
        }
        if (given.size() < files.size()) {
            List<String> problems = new ArrayList<>();
            files.forEach((key, file) -> {
                if (file.isEmpty()) {
                    problems.add(prefix + key + ": required with " + prefix + given.get(0) + " (mutual TLS needs a"
                            + " certificate, its private key and the authorities to trust)");
                }
            });
            return problems;
        }
        return problems(prefix, Path.of(certificate.get()), Path.of(privateKey.get()), Path.of(trust.get()),
                reachedAt, now);
    }

    /**
     * Every problem with the files, each naming its setting.
     *
     * @param reachedAt the host others dial this node at, when its certificate must name it
     */
    static List<String> problems(String prefix, Path certificate, Path privateKey, Path trust,
            Optional<String> reachedAt, Instant now) {
        List<String> problems = new ArrayList<>();
        Optional<X509Certificate> own = certificates(prefix + "certificate", certificate, problems);
        certificates(prefix + "trust", trust, problems);
        Optional<PrivateKey> key = privateKey(prefix, privateKey, own, problems);
        if (own.isEmpty()) {
            return problems;
        }
        X509Certificate first = own.get();
        if (key.isPresent() && !belongsTo(key.get(), first)) {
            problems.add(prefix + "private-key: " + privateKey + " is not the key of the certificate in " + certificate);
        }
        if (now.isAfter(first.getNotAfter().toInstant())) {
            problems.add(prefix + "certificate: " + certificate + " expired at " + first.getNotAfter().toInstant());
        } else if (now.isBefore(first.getNotBefore().toInstant())) {
            problems.add(prefix + "certificate: " + certificate + " is not valid before " + first.getNotBefore().toInstant());
        }
        reachedAt.filter(host -> !names(first, host)).ifPresent(host -> problems.add(prefix + "certificate: " + certificate
                + " does not name " + host + ", where others reach this node (its subject alternative names: "
                + alternativeNames(first) + "); they would refuse to call it"));
        return problems;
    }

    /** What to warn about at start: a certificate that expires within {@link #EXPIRY_WARNING}. */
    static List<String> warnings(String prefix, Path certificate, Instant now) {
        List<String> ignored = new ArrayList<>();
        return certificates(prefix + "certificate", certificate, ignored)
                .filter(first -> now.plus(EXPIRY_WARNING).isAfter(first.getNotAfter().toInstant()))
                .map(first -> List.of(prefix + "certificate: " + certificate + " expires at "
                        + first.getNotAfter().toInstant() + ": renew it, and restart the node"))
                .orElse(List.of());
    }

    /** The first certificate of a PEM file, adding what is wrong with it to {@code problems}. */
    private static Optional<X509Certificate> certificates(String setting, Path file, List<String> problems) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (!new String(bytes, StandardCharsets.US_ASCII).contains(BEGIN_CERTIFICATE)) {
                problems.add(setting + ": " + file + " is not a PEM certificate (" + BEGIN_CERTIFICATE + ")");
                return Optional.empty();
            }
            Collection<? extends java.security.cert.Certificate> all = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes));
            if (all.isEmpty()) {
                problems.add(setting + ": " + file + " holds no certificate");
                return Optional.empty();
            }
            return Optional.of((X509Certificate) all.iterator().next());
        } catch (IOException e) {
            problems.add(setting + ": cannot read " + file + " (" + e.getMessage() + ")");
        } catch (GeneralSecurityException e) {
            problems.add(setting + ": " + file + " is not a PEM certificate (" + e.getMessage() + ")");
        }
        return Optional.empty();
    }

    /**
     * The PKCS#8 key in a PEM file, of the certificate's algorithm (or any of RSA, EC and Ed25519
     * without one), adding what is wrong to {@code problems}.
     */
    private static Optional<PrivateKey> privateKey(String prefix, Path file, Optional<X509Certificate> certificate,
            List<String> problems) {
        String notPkcs8 = prefix + "private-key: " + file + " is not a PKCS#8 PEM private key (" + BEGIN_KEY
                + "; convert one with: openssl pkcs8 -topk8 -nocrypt)";
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            int begin = pem.indexOf(BEGIN_KEY);
            int end = pem.indexOf(END_KEY);
            if (begin < 0 || end < begin) {
                problems.add(notPkcs8);
                return Optional.empty();
            }
            byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + BEGIN_KEY.length(), end));
            List<String> algorithms = certificate.map(first -> List.of(first.getPublicKey().getAlgorithm()))
                    .orElse(List.of("RSA", "EC", "Ed25519"));
            for (String algorithm : algorithms) {
                try {
                    return Optional.of(KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der)));
                } catch (GeneralSecurityException e) {
                    // another algorithm, or not a key
                }
            }
            problems.add(notPkcs8);
        } catch (IOException e) {
            problems.add(prefix + "private-key: cannot read " + file + " (" + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            problems.add(notPkcs8);
        }
        return Optional.empty();
    }

    /** Whether {@code key} signs what the certificate's public key verifies. */
    private static boolean belongsTo(PrivateKey key, X509Certificate certificate) {
        return io.stampede.model.security.KeyPairs.pair(key, certificate.getPublicKey());
    }

    /**
     * Whether the certificate names {@code host} as TLS clients check it: an IP address among its
     * IP names; a DNS name among its DNS names, a {@code *.} name matching one leftmost label; with
     * no DNS names, its common name.
     */
    static boolean names(X509Certificate certificate, String host) {
        List<List<?>> names = alternatives(certificate);
        if (HostPort.isAddressLiteral(host)) {
            return names.stream().filter(name -> Integer.valueOf(7).equals(name.get(0)))
                    .anyMatch(name -> sameAddress(String.valueOf(name.get(1)), host));
        }
        List<String> dns = names.stream().filter(name -> Integer.valueOf(2).equals(name.get(0)))
                .map(name -> String.valueOf(name.get(1))).toList();
        if (dns.isEmpty()) {
            String subject = certificate.getSubjectX500Principal().getName();
            return subject.matches("(?i).*(^|,)CN=" + java.util.regex.Pattern.quote(host) + "(,.*|$)");
        }
        String lower = host.toLowerCase(Locale.ROOT);
        for (String name : dns) {
            String pattern = name.toLowerCase(Locale.ROOT);
            if (pattern.equals(lower) || pattern.startsWith("*.") && lower.indexOf('.') > 0
                    && lower.substring(lower.indexOf('.')).equals(pattern.substring(1))) {
                return true;
            }
        }
        return false;
    }

    private static List<List<?>> alternatives(X509Certificate certificate) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            return names == null ? List.of() : List.copyOf(names);
        } catch (GeneralSecurityException e) {
            return List.of();
        }
    }

    private static String alternativeNames(X509Certificate certificate) {
        List<String> names = alternatives(certificate).stream().map(name -> String.valueOf(name.get(1))).toList();
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static boolean sameAddress(String a, String b) {
        try {
            return InetAddress.getByName(a).equals(InetAddress.getByName(b));
        } catch (UnknownHostException e) {
            return a.equalsIgnoreCase(b);
        }
    }
}
