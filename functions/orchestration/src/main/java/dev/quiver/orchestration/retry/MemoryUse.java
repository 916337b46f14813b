package dev.quiver.orchestration.retry;

import dev.quiver.orchestration.retry.FailureEvidence.Sample;
import java.util.List;

/**
 * The failed attempt's memory against its limit. A sudden spike to near the limit counts as a memory failure even
 * when the executor did not report a kill: a process that dies of it often exits with a code of its own (a JVM's
 * {@code OutOfMemoryError}, a Python {@code MemoryError}) before the kernel gets to it.
 *
 * @param peak    the highest sample, 0 without samples
 * @param median  the median sample, 0 without samples
 * @param samples how many samples there were
 * @param limit   the attempt's memory limit
 */
record MemoryUse(long peak, long median, int samples, long limit) {

    /** Below this many samples there is no baseline for a spike to rise from. */
    private static final int SPIKE_SAMPLES = 3;

    static MemoryUse of(List<Sample> memory, long limit) {
        double[] values = memory.stream().mapToDouble(Sample::value).sorted().toArray();
        if (values.length == 0) {
            return new MemoryUse(0, 0, 0, limit);
        }
        int middle = values.length / 2;
        double median = values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
        return new MemoryUse(Math.round(values[values.length - 1]), Math.round(median), values.length, limit);
    }

    boolean spikedNearLimit(double nearLimit, double spikeFactor) {
        return samples >= SPIKE_SAMPLES && limit > 0 && peak >= nearLimit * limit && peak >= spikeFactor * median;
    }

    boolean atCeiling(RetryPolicy.MemoryGrowth growth) {
        return limit >= growth.ceilingBytes();
    }

    /** The larger of the limit and the peak, grown by the factor, at most the ceiling. */
    long nextLimit(RetryPolicy.MemoryGrowth growth) {
        return Math.min(growth.ceilingBytes(), (long) Math.ceil(Math.max(limit, peak) * growth.factor()));
    }

    /** {@code memory spiked from a median of 23 MiB to 200 MiB, 78.1% of its 256 MiB limit}; only after a spike. */
    String spike() {
        return "memory spiked from a median of " + ReasonText.bytes(median) + " to " + ReasonText.bytes(peak) + ", "
                + ReasonText.percent(100.0 * peak / limit) + " of its " + ReasonText.bytes(limit) + " limit";
    }

    /** {@code 200 MiB of its 256 MiB limit}. */
    String peakOfLimit() {
        if (samples == 0) {
            return "an unrecorded peak under its " + ReasonText.bytes(limit) + " limit";
        }
        return ReasonText.bytes(peak) + " of its " + ReasonText.bytes(limit) + " limit";
    }
}
