package io.stampede.cli.local;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import io.stampede.cli.Main;
import io.stampede.model.NodeRole;

/** Where the built services are: {@code <home>/<service>/target/quarkus-app/quarkus-run.jar}. */
public record Distribution(Path home) {

    /**
     * The Stampede checkout this command belongs to: {@code -Dstampede.home}, else
     * {@code STAMPEDE_HOME}, else three levels above this jar ({@code client-cli/target/stampede.jar}).
     */
    public static Distribution locate() {
        String property = System.getProperty("stampede.home");
        if (property != null && !property.isBlank()) {
            return new Distribution(Path.of(property).toAbsolutePath().normalize());
        }
        String environment = System.getenv("STAMPEDE_HOME");
        if (environment != null && !environment.isBlank()) {
            return new Distribution(Path.of(environment).toAbsolutePath().normalize());
        }
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return new Distribution(jar.getParent().getParent().getParent());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot tell where Stampede is installed: set STAMPEDE_HOME");
        }
    }

    /** The runnable jar of a service, checked to exist. */
    public Path serviceJar(NodeRole role) {
        Path jar = home.resolve(role.name().toLowerCase(Locale.ROOT)).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the " + role.label() + " is not built (" + jar
                    + " is missing): run `mvn -DskipTests install` in " + home);
        }
        return jar;
    }
}
