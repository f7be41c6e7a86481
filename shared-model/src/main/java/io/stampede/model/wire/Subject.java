package io.stampede.model.wire;

import java.util.Locale;
import java.util.Optional;

import io.stampede.model.JobId;

/**
 * What a record is about: a job, a node (a worker's capacity report), or a datacenter (its
 * manager's status report). Its {@link #key()} is the record's Kafka key, so all records about
 * one subject stay in order on one partition. Which kind a record has follows from its type
 * ({@link RecordType#subjectKind()}).
 */
public sealed interface Subject {

    /** The kinds of subject; their lower-case names are the wire prefix. */
    enum Kind {
        JOB, NODE, DATACENTER;

        String prefix() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    Kind kind();

    /** The Kafka key: the id or name alone. */
    String key();

    /** As written in a record: {@code job/job-0a1b…}, {@code node/worker-1}, {@code datacenter/dc-a}. */
    default String wire() {
        return kind().prefix() + "/" + key();
    }

    /** A record about a job. */
    record Job(JobId id) implements Subject {
        @Override
        public Kind kind() {
            return Kind.JOB;
        }

        @Override
        public String key() {
            return id.value();
        }
    }

    /** A record about a node, by its id. */
    record Node(String id) implements Subject {
        public Node {
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException("a node subject needs an id");
            }
        }

        @Override
        public Kind kind() {
            return Kind.NODE;
        }

        @Override
        public String key() {
            return id;
        }
    }

    /** A record about a datacenter, by its name. */
    record Datacenter(String name) implements Subject {
        public Datacenter {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a datacenter subject needs a name");
            }
        }

        @Override
        public Kind kind() {
            return Kind.DATACENTER;
        }

        @Override
        public String key() {
            return name;
        }
    }

    static Subject job(JobId id) {
        return new Job(id);
    }

    /** Reads {@link #wire()}'s form, or empty when {@code text} is not one. */
    static Optional<Subject> parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            return Optional.empty();
        }
        String prefix = text.substring(0, slash);
        String key = text.substring(slash + 1);
        if (prefix.equals(Kind.JOB.prefix())) {
            return JobId.parse(key).map(Job::new);
        }
        if (prefix.equals(Kind.NODE.prefix())) {
            return Optional.of(new Node(key));
        }
        if (prefix.equals(Kind.DATACENTER.prefix())) {
            return Optional.of(new Datacenter(key));
        }
        return Optional.empty();
    }
}
