package dev.quiver.inference.validation;

/**
 * The outcomes of a version's latest checked answers: says when {@code failures} of the last {@code window} failed.
 * An answer that passes while none of the window failed changes nothing, so the usual case takes no lock.
 */
public final class FailureWindow {

    private final int failures;
    private final boolean[] failed;
    private volatile int failedCount;
    private int next;

    public FailureWindow(int failures, int window) {
        if (failures < 1 || window < failures) {
            throw new IllegalArgumentException("failures " + failures + " must be between 1 and the window " + window);
        }
        this.failures = failures;
        this.failed = new boolean[window];
    }

    /** @return whether this outcome brings the failures in the window to the threshold */
    public boolean record(boolean passed) {
        if (passed && failedCount == 0) {
            return false;
        }
        synchronized (this) {
            int count = failedCount;
            if (failed[next]) {
                count--;
            }
            failed[next] = !passed;
            if (!passed) {
                count++;
            }
            next = (next + 1) % failed.length;
            failedCount = count;
            return !passed && count == failures;
        }
    }

    public int failures() {
        return failures;
    }

    public int window() {
        return failed.length;
    }
}
