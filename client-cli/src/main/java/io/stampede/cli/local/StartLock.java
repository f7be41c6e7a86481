package io.stampede.cli.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets one {@code stampede local up} at a time start a cluster in a cluster directory: an operating
 * system lock on {@code <dir>/lock}, held from before the "is a cluster already running?" check
 * until the cluster is up or has been stopped. The holder writes its pid into the file, so that the
 * command turned away can say who holds it.
 *
 * <p>The operating system releases the lock when its holder exits, however it exits (even by
 * SIGKILL), so a file left behind never blocks anyone and its pid is read only while the lock is
 * held. The file is never deleted: a process could otherwise lock a file that another has just
 * unlinked and replaced, and two holders would each believe they hold the lock.
 */
final class StartLock implements AutoCloseable {

    static final String FILE = "lock";

    /**
     * Directories this JVM holds the lock of. POSIX locks belong to a process, not to a channel:
     * opening and closing a second channel on the file would release the lock this JVM holds, so a
     * second attempt from this JVM is turned away before it opens anything.
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path directory;
    private final FileChannel channel;
    private final FileLock lock;

    private StartLock(Path directory, FileChannel channel, FileLock lock) {
        this.directory = directory;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code directory} (created if missing) without waiting.
     *
     * @throws HeldElsewhere when another {@code local up}, or this one, holds it
     */
    static StartLock acquire(Path directory) throws IOException {
        Path absolute = directory.toAbsolutePath().normalize();
        long self = ProcessHandle.current().pid();
        if (!HELD_HERE.add(absolute)) {
            throw new HeldElsewhere(absolute, OptionalLong.of(self));
        }
        try {
            Files.createDirectories(absolute);
            FileChannel channel = FileChannel.open(absolute.resolve(FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (IOException | OverlappingFileLockException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                OptionalLong holder = holder(channel);
                channel.close();
                throw new HeldElsewhere(absolute, holder);
            }
            // Write, then cut: a reader never sees an empty file, only the previous pid for a moment.
            byte[] pid = (self + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.write(ByteBuffer.wrap(pid), 0);
            channel.truncate(pid.length);
            channel.force(false);
            return new StartLock(absolute, channel, lock);
        } catch (IOException | RuntimeException e) {
            HELD_HERE.remove(absolute);
            throw e;
        }
    }

    /** Releases the lock; the file stays (see the class comment). */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
            HELD_HERE.remove(directory);
        }
    }

    /** The pid the holder wrote, read through the channel we already have open (see HELD_HERE). */
    private static OptionalLong holder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
        try {
            return text.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(text));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Another {@code local up} is starting a cluster in this directory; the message names its pid. */
    public static final class HeldElsewhere extends RuntimeException {

        HeldElsewhere(Path directory, OptionalLong pid) {
            super("another 'stampede local up' is starting a cluster in " + directory + " (pid "
                    + (pid.isPresent() ? Long.toString(pid.getAsLong()) : "unknown") + ")");
        }
    }
}
