package io.stampede.cli.key;

import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import io.stampede.cli.ExitCodes;
import io.stampede.model.security.ApiKeys;
import io.stampede.model.NodeRole;
import io.stampede.model.security.KeyLimits;
import io.stampede.model.security.NodeCertificate;
import io.stampede.model.security.RecordRoles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stampede key new}: makes an API key and the line that configures a gate to accept it;
 * {@code stampede key roles}: makes each role's key pair for signed records; {@code stampede key
 * node}: makes one node's own key pair, certified with its role's private key.
 */
@Command(name = "key", mixinStandardHelpOptions = true,
        description = "API keys for gates, and role keys for records (docs/security.md).",
        subcommands = {KeyCommand.New.class, KeyCommand.Roles.class, KeyCommand.Node.class})
public final class KeyCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "roles", mixinStandardHelpOptions = true,
            description = "Make a key pair for each role (gate, manager, worker) that signs records as that role"
                    + " (docs/security.md#role-signatures). Prints one name=value line each, fit for"
                    + " `kubectl create secret generic stampede-record-roles --from-env-file=<file>`: public-keys (for"
                    + " every node's stampede.security.record-role-public-keys), and gate, manager and worker (for"
                    + " stampede.security.record-role-key of the nodes of that role only). The private keys are shown"
                    + " only now.")
    public static final class Roles implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Map<NodeRole, List<String>> keys = RecordRoles.generate();
            out.println("# Role keys for signed records (docs/security.md#role-signatures), made "
                    + java.time.Instant.now() + "; the private keys are shown only now.");
            out.println("# Every node: stampede.security.record-role-public-keys=<public-keys>.");
            out.println("# The nodes of one role only: stampede.security.record-role-key=<that role's line>.");
            out.println("public-keys=" + String.join(",", RecordRoles.publicEntries(keys)));
            keys.forEach((role, pair) -> out.println(role.label() + "=" + pair.get(0)));
            return ExitCodes.OK;
        }
    }

    @Command(name = "node", mixinStandardHelpOptions = true,
            description = "Make one node's own key pair for signed records, certified with its role's private key"
                    + " (docs/security.md#node-keys): the node then signs as itself, and every node refuses a record"
                    + " of its key in another node's name. Prints the node's two settings as an environment file"
                    + " (for `kubectl create secret generic <name> --from-env-file=<file>`, or podman's --env-file);"
                    + " the private key is shown only now. The role's private key is read from a file, never from"
                    + " the command line.")
    public static final class Node implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--role", required = true, paramLabel = "ROLE", description = "gate, manager or worker.")
        String role;

        @Option(names = "--id", required = true, paramLabel = "ID", description = "The node's id (stampede.node.id).")
        String id;

        @Option(names = "--datacenter", paramLabel = "NAME", description = "A manager's or a worker's datacenter"
                + " (stampede.node.datacenter), which its certificate names: its records speaking for another are"
                + " refused. Required for managers and workers; a gate belongs to none.")
        String datacenter;

        @Option(names = "--role-key-file", required = true, paramLabel = "FILE",
                description = "A file holding the role's private key: the whole output of `stampede key roles` (then"
                        + " the certificate is checked against its public-keys), the role's line of it, or the key"
                        + " alone; - for standard input.")
        String roleKeyFile;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            java.util.Optional<NodeRole> named = NodeRole.ofLabel(role.strip());
            if (named.isEmpty()) {
                err.println("stampede key node: '" + role + "' is not a role (gate, manager, worker)");
                return ExitCodes.USAGE;
            }
            String dc = datacenter == null ? "" : datacenter.strip();
            if (named.get() != NodeRole.GATE && dc.isEmpty()) {
                err.println("stampede key node: --datacenter is required for a " + named.get().label() + ": its"
                        + " certificate names its datacenter");
                return ExitCodes.USAGE;
            }
            String roleKey;
            try {
                roleKey = roleKeyFile.equals("-") ? new String(System.in.readAllBytes(),
                        java.nio.charset.StandardCharsets.UTF_8) : java.nio.file.Files.readString(
                                java.nio.file.Path.of(roleKeyFile));
            } catch (java.io.IOException | RuntimeException e) {
                err.println("stampede key node: cannot read --role-key-file " + roleKeyFile + ": " + e.getMessage());
                return ExitCodes.USAGE;
            }
            // name=value lines (what `stampede key roles` prints), or the key alone.
            Map<String, String> lines = new java.util.LinkedHashMap<>();
            roleKey.lines().map(String::strip).filter(line -> line.matches("[a-z-]+=.*"))
                    .forEach(line -> lines.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1)));
            String label = named.get().label();
            if (!lines.isEmpty() && !lines.containsKey(label)) {
                err.println("stampede key node: the --role-key-file " + roleKeyFile + " has no " + label + "= line (the"
                        + " output of `stampede key roles`, or the " + label + "s' key alone)");
                return ExitCodes.USAGE;
            }
            roleKey = lines.isEmpty() ? roleKey.strip() : lines.get(label);
            NodeCertificate.Issued issued;
            try {
                issued = NodeCertificate.issue(named.get(), id.strip(), dc, roleKey);
                if (lines.containsKey("public-keys")) {
                    io.stampede.model.security.RecordRoles.ofNode(List.of(lines.get("public-keys").split(",")),
                            issued.certificate(), issued.privateKey());
                }
            } catch (IllegalArgumentException e) {
                err.println("stampede key node: " + (e.getMessage().startsWith("is not") ? "the --role-key-file's "
                        + label + " key " : "") + e.getMessage());
                return ExitCodes.USAGE;
            }
            out.println("# The record key of " + named.get().label() + " " + id.strip() + (dc.isEmpty() ? ""
                    : " of datacenter " + dc) + " (docs/security.md#node-keys),"
                    + " made " + java.time.Instant.now() + "; the private key is shown only now.");
            out.println("# That node only, with every node's stampede.security.record-role-public-keys; it is not"
                    + " given stampede.security.record-role-key.");
            out.println("STAMPEDE_SECURITY_RECORD_NODE_KEY=" + issued.privateKey());
            out.println("STAMPEDE_SECURITY_RECORD_NODE_CERTIFICATE=" + issued.certificate());
            return ExitCodes.OK;
        }
    }

    @Command(name = "new", mixinStandardHelpOptions = true,
            description = "Make a new API key. Prints the key once (give it to its user: STAMPEDE_API_KEY or a"
                    + " credentials file) and the entry for the gates' stampede.security.api-keys (or api-keys-file),"
                    + " which holds only the key's SHA-256.")
    public static final class New implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--name", required = true, paramLabel = "NAME",
                description = "Who uses the key (shown in logs and metrics instead of it), e.g. ci or alice.")
        String name;

        @Option(names = "--roles", split = ",", paramLabel = "ROLE[,ROLE...]", defaultValue = "read,submit",
                description = "read (jobs, series, datacenters), submit (submit and cancel jobs), admin (everything)."
                        + " Default: ${DEFAULT-VALUE}.")
        List<String> roles;

        @Option(names = "--max-vus", paramLabel = "N",
                description = "The most virtual users one job of this key may run at once (closed workflows' vus and"
                        + " open workflows' maxVus, added up). Default: no limit.")
        Integer maxVus;

        @Option(names = "--max-rate", paramLabel = "R",
                description = "The highest arrival rate one job of this key may reach, iterations a second (open"
                        + " workflows' peaks, added up). Default: no limit.")
        String maxRate;

        @Option(names = "--max-duration", paramLabel = "DURATION",
                description = "The longest one job of this key may run, e.g. 30m: its timeout and each workflow must"
                        + " fit, and a job without a timeout gets this one. Default: no limit.")
        String maxDuration;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Set<ApiKeys.Role> chosen = EnumSet.noneOf(ApiKeys.Role.class);
            for (String role : roles) {
                try {
                    chosen.add(ApiKeys.Role.valueOf(role.strip().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    err.println("stampede key new: '" + role + "' is not a role (read, submit, admin)");
                    return ExitCodes.USAGE;
                }
            }
            List<String> limitParts = new ArrayList<>();
            if (maxVus != null) {
                limitParts.add("vus=" + maxVus);
            }
            if (maxRate != null) {
                limitParts.add("rate=" + maxRate.strip());
            }
            if (maxDuration != null) {
                limitParts.add("duration=" + maxDuration.strip());
            }
            KeyLimits limits;
            try {
                limits = KeyLimits.parse(String.join(";", limitParts));
            } catch (IllegalArgumentException e) {
                err.println("stampede key new: " + e.getMessage().replaceFirst("^(vus|rate|duration) ", "--max-$1 "));
                return ExitCodes.USAGE;
            }
            String key = ApiKeys.generate(new SecureRandom());
            String entry = ApiKeys.entry(name, chosen, key, limits);
            ApiKeys.Parsed parsed = ApiKeys.parse(List.of(entry), "--name");
            if (!parsed.problems().isEmpty()) {
                err.println("stampede key new: " + parsed.problems().get(0));
                return ExitCodes.USAGE;
            }
            out.println("key:   " + key);
            out.println("entry: " + entry);
            out.println();
            out.println("The key is shown only now. Its user sets STAMPEDE_API_KEY=<key> (or api-key=<key> in a"
                    + " credentials file, mode 600); the gates accept it once the entry is in"
                    + " stampede.security.api-keys or the api-keys-file.");
            return ExitCodes.OK;
        }
    }
}
