package io.stampede.model.stats;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;

import org.HdrHistogram.Histogram;

/**
 * Latency histograms as Stampede records them: microseconds from 1 µs to 60 s with 3 significant
 * digits (0.1 % resolution), and their compressed wire encoding.
 */
public final class LatencyHistograms {

    /** Lowest value told apart, in microseconds. */
    public static final long LOWEST_MICROS = 1;
    /** Highest value recorded, in microseconds; longer latencies are recorded as this. */
    public static final long HIGHEST_MICROS = 60_000_000;
    /** Significant decimal digits kept. */
    public static final int DIGITS = 3;

    private LatencyHistograms() {
    }

    public static Histogram create() {
        return new Histogram(LOWEST_MICROS, HIGHEST_MICROS, DIGITS);
    }

    /** Records one latency, clamped into the histogram's range. */
    public static void record(Histogram histogram, long micros) {
        histogram.recordValue(Math.max(LOWEST_MICROS, Math.min(HIGHEST_MICROS, micros)));
    }

    public static byte[] encode(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return bytes;
    }

    /**
     * Decodes what {@link #encode} wrote.
     *
     * @throws IllegalArgumentException when the bytes are not such a histogram
     */
    public static Histogram decode(byte[] bytes) {
        try {
            Histogram decoded = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), HIGHEST_MICROS);
            Histogram histogram = create();
            histogram.add(decoded);
            return histogram;
        } catch (DataFormatException | RuntimeException e) {
            throw new IllegalArgumentException("not an encoded latency histogram: " + e.getMessage(), e);
        }
    }
}
