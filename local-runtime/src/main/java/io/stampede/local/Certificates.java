package io.stampede.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority made with the JDK's own {@code keytool}, for a local cluster's
 * {@code --tls} and for tests: it signs node certificates for {@code 127.0.0.1} and
 * {@code localhost}, and writes each as the PEM files a node is configured with (certificate
 * chain, PKCS#8 private key) beside the authority's own certificate (the trust file). Private keys
 * and the key stores are readable by their owner only (where the file system has POSIX modes).
 */
public final class Certificates {

    /** How long a test's certificates are valid. */
    private static final Duration TEST_VALIDITY = Duration.ofDays(2);
    private static final Set<PosixFilePermission> OWNER_ONLY = Set.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);

    private final Path directory;
    private final String name;
    /** The key stores' password: they live only while certificates are issued, beside the PEM files. */
    private final String password;
    private final String validityDays;
    private final Path store;
    /** The authority's certificate, as PEM: what a node trusts. */
    private final Path trust;

    private Certificates(Path directory, String name, Duration validity) throws IOException {
        if (validity.toDays() < 1) {
            throw new IllegalArgumentException("certificates are valid for whole days, at least one: " + validity);
        }
        this.directory = Files.createDirectories(directory);
        this.name = name;
        byte[] bits = new byte[24];
        new SecureRandom().nextBytes(bits);
        this.password = Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
        this.validityDays = Long.toString(validity.toDays());
        this.store = directory.resolve(name + ".p12");
        this.trust = directory.resolve(name + ".pem");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", validityDays,
                "-dname", "CN=" + name, "-ext", "bc:c", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", password);
        ownerOnly(store);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", store.toString(), "-storepass", password,
                "-file", trust.toString());
    }

    /** A new authority named {@code name}, its files in {@code directory}, its certificates valid for 2 days. */
    public static Certificates authority(Path directory, String name) throws IOException {
        return new Certificates(directory, name, TEST_VALIDITY);
    }

    /** A new authority named {@code name}, its files in {@code directory}, its certificates valid for {@code validity}. */
    public static Certificates authority(Path directory, String name, Duration validity) throws IOException {
        return new Certificates(directory, name, validity);
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
        keytool("-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-validity", validityDays,
                "-dname", "CN=" + node, "-keystore", keys.toString(), "-storetype", "PKCS12", "-storepass", password);
        ownerOnly(keys);
        keytool("-certreq", "-alias", "node", "-keystore", keys.toString(), "-storepass", password,
                "-file", request.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", store.toString(), "-storepass", password,
                "-infile", request.toString(), "-outfile", signed.toString(), "-validity", validityDays,
                "-ext", "SAN=" + names, "-ext", "EKU=serverAuth,clientAuth");
        Path certificate = directory.resolve(name + "-" + node + "-chain.pem");
        Files.writeString(certificate, Files.readString(signed) + Files.readString(trust));
        Path privateKey = directory.resolve(name + "-" + node + "-key.pem");
        try (InputStream in = Files.newInputStream(keys)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, password.toCharArray());
            Key key = keyStore.getKey("node", password.toCharArray());
            Files.writeString(privateKey, "");
            ownerOnly(privateKey);
            Files.writeString(privateKey, "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the key keytool made for " + node + ": " + e.getMessage(), e);
        }
        return new Issued(certificate, privateKey, trust, keys);
    }

    /** Makes {@code file} readable and writable by its owner only, where the file system has POSIX modes. */
    private static void ownerOnly(Path file) throws IOException {
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
    }

    private static void keytool(String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                Processes.stop(keytool.toHandle(), Duration.ofSeconds(1));
                List<String> shown = new ArrayList<>(List.of(arguments));
                int password = shown.indexOf("-storepass");
                if (password >= 0 && password + 1 < shown.size()) {
                    shown.set(password + 1, "****");
                }
                throw new IOException("keytool " + String.join(" ", shown) + " failed: "
                        + new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Processes.stop(keytool.toHandle(), Duration.ofSeconds(1));
            throw new IOException("interrupted while keytool ran", e);
        }
    }
}
