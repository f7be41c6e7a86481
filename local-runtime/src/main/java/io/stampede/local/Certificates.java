package io.stampede.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
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
 * chain, PKCS#8 private key) beside the authority's own certificate (the trust file).
 *
 * <p>Where the file system has POSIX modes, the directory is its owner's only (700) and the private
 * keys are mode 600 from their creation. keytool is given the key stores' password in its
 * environment, never on its command line. Only the PEM files stay: the intermediate files go once a
 * certificate is issued, and the authority's own key store on {@link #close()}, after which it
 * issues no more.
 */
public final class Certificates implements AutoCloseable {

    private static final Set<PosixFilePermission> OWNER_ONLY = Set.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    /** The variable keytool reads the key stores' password from ({@code -storepass:env}). */
    private static final String PASSWORD_VARIABLE = "STAMPEDE_KEYTOOL_PASSWORD";

    private final Path directory;
    private final String name;
    /** The key stores' password, random for each authority. */
    private final String password;
    private final String validityDays;
    /** The authority's key store: its private key, while it issues certificates. */
    private final Path store;
    /** The authority's certificate, as PEM: what a node trusts. */
    private final Path trust;

    private Certificates(Path directory, String name, Duration validity) throws IOException {
        if (validity.toDays() < 1) {
            throw new IllegalArgumentException("certificates are valid for whole days, at least one: " + validity);
        }
        this.directory = ownerOnlyDirectory(directory);
        this.name = name;
        byte[] bits = new byte[24];
        new SecureRandom().nextBytes(bits);
        this.password = Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
        this.validityDays = Long.toString(validity.toDays());
        this.store = directory.resolve(name + ".p12");
        this.trust = directory.resolve(name + ".pem");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", validityDays,
                "-dname", "CN=" + name, "-ext", "bc:c", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass:env", PASSWORD_VARIABLE);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", store.toString(),
                "-storepass:env", PASSWORD_VARIABLE, "-file", trust.toString());
    }

    /** A new authority named {@code name}, its files in {@code directory}, its certificates valid {@code validity}. */
    public static Certificates authority(Path directory, String name, Duration validity) throws IOException {
        return new Certificates(directory, name, validity);
    }

    /** The authority's certificate (PEM). */
    public Path trust() {
        return trust;
    }

    /** One node's files, PEM as a node is configured with. */
    public record Issued(Path certificate, Path privateKey, Path trust) {
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
        if (!Files.exists(store)) {
            throw new IllegalStateException("the authority " + name + " is closed: it issues no more certificates");
        }
        Path keys = directory.resolve(name + "-" + node + ".p12");
        Path request = directory.resolve(name + "-" + node + ".csr");
        Path signed = directory.resolve(name + "-" + node + ".crt");
        try {
            keytool("-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-validity", validityDays,
                    "-dname", "CN=" + node, "-keystore", keys.toString(), "-storetype", "PKCS12",
                    "-storepass:env", PASSWORD_VARIABLE);
            keytool("-certreq", "-alias", "node", "-keystore", keys.toString(), "-storepass:env", PASSWORD_VARIABLE,
                    "-file", request.toString());
            keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", store.toString(), "-storepass:env",
                    PASSWORD_VARIABLE, "-infile", request.toString(), "-outfile", signed.toString(),
                    "-validity", validityDays, "-ext", "SAN=" + names, "-ext", "EKU=serverAuth,clientAuth");
            Path certificate = directory.resolve(name + "-" + node + "-chain.pem");
            Files.writeString(certificate, Files.readString(signed) + Files.readString(trust));
            Path privateKey = directory.resolve(name + "-" + node + "-key.pem");
            Files.deleteIfExists(privateKey);
            if (posix(directory)) {
                Files.createFile(privateKey, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            }
            try (InputStream in = Files.newInputStream(keys)) {
                KeyStore keyStore = KeyStore.getInstance("PKCS12");
                keyStore.load(in, password.toCharArray());
                Key key = keyStore.getKey("node", password.toCharArray());
                Files.writeString(privateKey, "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(key.getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot read the key keytool made for " + node + ": " + e.getMessage(), e);
            }
            return new Issued(certificate, privateKey, trust);
        } finally {
            Files.deleteIfExists(keys);
            Files.deleteIfExists(request);
            Files.deleteIfExists(signed);
        }
    }

    /** Deletes the authority's key store: what it issued stays valid, and it issues no more. */
    @Override
    public void close() throws IOException {
        Files.deleteIfExists(store);
    }

    private static boolean posix(Path directory) throws IOException {
        return Files.getFileStore(directory).supportsFileAttributeView("posix");
    }

    /** {@code directory}, made if need be, readable by its owner only where the file system has POSIX modes. */
    private static Path ownerOnlyDirectory(Path directory) throws IOException {
        Files.createDirectories(directory);
        if (posix(directory)) {
            Files.setPosixFilePermissions(directory, OWNER_ONLY_DIRECTORY);
        }
        return directory;
    }

    private void keytool(String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(Processes.javaExecutable()).resolveSibling("keytool").toString());
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(PASSWORD_VARIABLE, password);
        Process keytool = builder.start();
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
