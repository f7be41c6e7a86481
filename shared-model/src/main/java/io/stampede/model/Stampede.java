package io.stampede.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Facts about this build of Stampede that every module reports the same way. */
public final class Stampede {

    /** The release version, as Maven built it (for example {@code 0.1.0-SNAPSHOT}). */
    public static final String VERSION = readVersion();

    private Stampede() {
    }

    private static String readVersion() {
        try (InputStream in = Stampede.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Stampede version resource", e);
        }
    }
}
