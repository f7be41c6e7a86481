package io.stampede.cli.gate;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * Where the command line finds the API key it sends to gates, never on its command line (where
 * every user of the machine could read it in the process list), in this order:
 * <ol>
 * <li>{@code STAMPEDE_API_KEY};</li>
 * <li>the file {@code STAMPEDE_CREDENTIALS} names;</li>
 * <li>the local cluster's {@code .stampede/local/credentials}, only when the gates are the local
 * cluster's (a key of this machine is never sent to a gate named by {@code --gate});</li>
 * <li>{@code ~/.config/stampede/credentials}.</li>
 * </ol>
 * A credentials file is a properties file with {@code api-key=...}; one others may read is used, with
 * a warning.
 */
public final class Credentials {

    /** The key's property in a credentials file. */
    public static final String API_KEY = "api-key";
    /** The local cluster's membership key, in its credentials file. */
    public static final String MEMBERSHIP_KEY = "membership-key";
    /** The local cluster's credentials, in its directory. */
    public static final String LOCAL_FILE = "credentials";

    private Credentials() {
    }

    /**
     * The key to send.
     *
     * @param localCluster the local cluster's directory when the gates are its own, else empty
     */
    public static Optional<String> apiKey(Map<String, String> environment, Optional<Path> localCluster, Path home) {
        String fromEnvironment = environment.get("STAMPEDE_API_KEY");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return Optional.of(fromEnvironment.strip());
        }
        String named = environment.get("STAMPEDE_CREDENTIALS");
        if (named != null && !named.isBlank()) {
            Path file = Path.of(named);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("STAMPEDE_CREDENTIALS names " + file + ", which is not a file");
            }
            return read(file).flatMap(properties -> Optional.ofNullable(properties.getProperty(API_KEY)));
        }
        for (Path file : localCluster.map(directory -> new Path[] {directory.resolve(LOCAL_FILE)}).orElse(new Path[0])) {
            if (Files.isRegularFile(file)) {
                return read(file).flatMap(properties -> Optional.ofNullable(properties.getProperty(API_KEY)));
            }
        }
        Path user = home.resolve(".config/stampede/credentials");
        return Files.isRegularFile(user) ? read(user).flatMap(properties -> Optional.ofNullable(properties.getProperty(API_KEY)))
                : Optional.empty();
    }

    /** The key from the process's environment and files. */
    public static Optional<String> apiKey(Optional<Path> localCluster) {
        return apiKey(System.getenv(), localCluster, Path.of(System.getProperty("user.home")));
    }

    /** A credentials file's properties; a file others may read is used with a warning. */
    public static Optional<Properties> read(Path file) {
        try {
            warnIfOthersMayRead(file);
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            }
            return Optional.of(properties);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the credentials in " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes a credentials file that only its owner may read or write (mode 600), replacing one there. */
    public static void write(Path file, Properties properties, String comment) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path temporary = file.resolveSibling(file.getFileName() + ".new");
        Files.deleteIfExists(temporary);
        Files.createFile(temporary, PosixFilePermissions.asFileAttribute(EnumSet.of(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE)));
        try (var writer = Files.newBufferedWriter(temporary)) {
            properties.store(writer, comment);
        }
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void warnIfOthersMayRead(Path file) throws IOException {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                System.err.println("warning: " + file + " may be read by other users (chmod 600 " + file + ")");
            }
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: nothing to check.
        }
    }
}
