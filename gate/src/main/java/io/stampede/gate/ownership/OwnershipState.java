package io.stampede.gate.ownership;

import io.stampede.model.JobId;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stampede.cluster.leadership.RaftLeadership;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jboss.logging.Logger;

/**
 * The ownership table as this gate's share of the gates' Raft state: committed commands arrive
 * here in log order, and listeners hear of every entry created or changed. Raft snapshots it
 * every thousand commands and purges the log before: a finished job's entry holds no job any
 * more, and stays until this gate forgets it, so a restarted gate that starts from a snapshot
 * neither follows again a job that finished nor loses one that runs.
 */
@ApplicationScoped
public class OwnershipState implements RaftLeadership.Replicated {

    private static final Logger LOG = Logger.getLogger(OwnershipState.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The wire form of a command: one record with a type and the fields that type uses. */
    record Wire(String type, Ownership.Entry entry, String gone, List<String> live, JobId jobId) {
    }

    private final Ownership table = new Ownership();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /**
     * Held while listeners are told of changes, so a new listener hears of the table as it is and
     * then of every later change, in order, however Raft's replay at start-up and its
     * registration interleave. The order of locks is always this one, then the listener's own,
     * then the table's; nothing that holds the table's lock or a listener's takes this one.
     */
    private final Object telling = new Object();

    /** Told of entries. */
    public interface Listener {
        /**
         * @param entries   entries created or changed, in log order
         * @param wholeTable true when they are the whole table (when listening starts, or from a
         *                   snapshot), finished jobs included; false for the entries one command changed
         */
        void heard(List<Ownership.Entry> entries, boolean wholeTable);
    }

    /**
     * Hears of every entry there is now, then of every entry created or changed, in log order (on
     * Raft's thread, or this one for the entries there already). An entry may be told twice.
     */
    public void listen(Listener listener) {
        synchronized (telling) {
            listeners.add(listener);
            List<Ownership.Entry> now = entries();
            if (!now.isEmpty()) {
                listener.heard(now, true);
            }
        }
    }

    private void tell(List<Ownership.Entry> entries, boolean wholeTable) {
        synchronized (telling) {
            listeners.forEach(listener -> listener.heard(entries, wholeTable));
        }
    }

    public static byte[] encode(Ownership.Command command) {
        Wire wire;
        if (command instanceof Ownership.Register register) {
            wire = new Wire("register", register.entry(), null, null, null);
        } else if (command instanceof Ownership.Reassign reassign) {
            wire = new Wire("reassign", null, reassign.gone(), reassign.live(), null);
        } else {
            wire = new Wire("finished", null, null, null, ((Ownership.Finished) command).jobId());
        }
        try {
            return JSON.writeValueAsBytes(wire);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Ownership.Command decode(byte[] bytes) throws IOException {
        Wire wire = JSON.readValue(bytes, Wire.class);
        return switch (wire.type()) {
            case "register" -> new Ownership.Register(wire.entry());
            case "reassign" -> new Ownership.Reassign(wire.gone(), wire.live());
            case "finished" -> new Ownership.Finished(wire.jobId());
            default -> throw new IOException("unknown ownership command " + wire.type());
        };
    }

    /** The first entry a command's answer names, if any (a registration answers with its job). */
    public static Optional<Ownership.Entry> answer(byte[] bytes) {
        try {
            Ownership.Entry[] entries = JSON.readValue(bytes, Ownership.Entry[].class);
            return entries.length == 0 ? Optional.empty() : Optional.of(entries[0]);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public byte[] apply(byte[] command) {
        List<Ownership.Entry> changed;
        try {
            Ownership.Command decoded = decode(command);
            synchronized (table) {
                changed = table.apply(decoded);
            }
        } catch (IOException | RuntimeException e) {
            // Every gate skips the same bad entry the same way, so the tables stay alike.
            LOG.errorf(e, "skipping an ownership command that cannot be applied: %s",
                    new String(command, StandardCharsets.UTF_8));
            return new byte[] {'[', ']'};
        }
        tell(changed, false);
        try {
            // The answer names the entries without the jobs they hold: a reassignment may move many.
            return JSON.writeValueAsBytes(changed.stream().map(Ownership.Entry::withoutJob).toList());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] snapshot() {
        synchronized (table) {
            try {
                return JSON.writeValueAsBytes(table.snapshot());
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void restore(byte[] snapshot) {
        List<Ownership.Entry> restored;
        try {
            restored = List.of(JSON.readValue(snapshot, Ownership.Entry[].class));
        } catch (IOException e) {
            throw new IllegalStateException("the ownership table's snapshot cannot be read: " + e.getMessage(), e);
        }
        synchronized (table) {
            table.restore(restored);
        }
        LOG.infof("ownership table restored from a snapshot: %d jobs, %d of them running", restored.size(),
                restored.stream().filter(entry -> !entry.finished()).count());
        tell(restored, true);
    }

    public Optional<Ownership.Entry> get(JobId jobId) {
        synchronized (table) {
            return table.get(jobId);
        }
    }

    /** Every entry, as of now. */
    public List<Ownership.Entry> entries() {
        synchronized (table) {
            return List.copyOf(table.entries());
        }
    }

    public void forget(JobId jobId) {
        synchronized (table) {
            table.forget(jobId);
        }
    }
}
