package io.stampede.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;


import io.stampede.local.Processes;

/**
 * A certificate authority for tests, made with the JDK's own {@code keytool}: it signs node
 * certificates for {@code 127.0.0.1} and {@code localhost}, and writes each as the PEM files a
 * node is configured with (certificate chain, PKCS#8 private key) beside the authority's own
 * certificate (the trust file).
 */
public final class Certificates {

    private static final String PASSWORD = "test-only";

    private final Path directory;
    private final String name;
    private final Path store;
    /** The authority's certificate, as PEM: what a node trusts. */
    private final Path trust;

    private Certificates(Path directory, String name) throws IOException {
        this.directory = Files.createDirectories(directory);
        this.name = name;
        this.store = directory.resolve(name + ".p12");
        this.trust = directory.resolve(name + ".pem");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=" + name, "-ext", "bc:c", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", store.toString(), "-storepass", PASSWORD,
                "-file", trust.toString());
    }

    /** A new authority named {@code name}, its files in {@code directory}. */
    public static Certificates authority(Path directory, String name) throws IOException {
        return new Certificates(directory, name);
    }

    /** The authority's certificate (PEM). */
    public Path trust() {
        return trust;
    }

    /** One node's files: PEM as a node is configured with, and the key as keytool made it (PKCS#12). */
    public record Issued(Path certificate, Path privateKey, Path trust, Path keyStore) {
    }

    /** A certificate for {@code node} (for 127.0.0.1 and localhost, client and server), signed by this authority. */
    public Issued issue(String node) throws IOException {
        return issue(node, "ip:127.0.0.1,dns:localhost");
    }

    /**
     * A certificate for {@code node} naming {@code names} (keytool's subject alternative names,
     * e.g. {@code dns:elsewhere.example}), client and server, signed by this authority.
     */
    public Issued issue(String node, String names) throws IOException {
        Path keys = directory.resolve(name + "-" + node + ".p12");
        Path request = directory.resolve(name + "-" + node + ".csr");
        Path signed = directory.resolve(name + "-" + node + ".crt");
        keytool("-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=" + node, "-keystore", keys.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-certreq", "-alias", "node", "-keystore", keys.toString(), "-storepass", PASSWORD,
                "-file", request.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", store.toString(), "-storepass", PASSWORD,
                "-infile", request.toString(), "-outfile", signed.toString(), "-validity", "2",
                "-ext", "SAN=" + names, "-ext", "EKU=serverAuth,clientAuth");
        Path certificate = directory.resolve(name + "-" + node + "-chain.pem");
        Files.writeString(certificate, Files.readString(signed) + Files.readString(trust));
        Path privateKey = directory.resolve(name + "-" + node + "-key.pem");
        try (InputStream in = Files.newInputStream(keys)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, PASSWORD.toCharArray());
            Key key = keyStore.getKey("node", PASSWORD.toCharArray());
            Files.writeString(privateKey, "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the key keytool made for " + node + ": " + e.getMessage(), e);
        }
        return new Issued(certificate, privateKey, trust, keys);
    }

    private static void keytool(String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                Processes.stop(keytool.toHandle(), Duration.ofSeconds(1));
                throw new IOException("keytool " + String.join(" ", arguments) + " failed: "
                        + new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Processes.stop(keytool.toHandle(), Duration.ofSeconds(1));
            throw new IOException("interrupted while keytool ran", e);
        }
    }
}
