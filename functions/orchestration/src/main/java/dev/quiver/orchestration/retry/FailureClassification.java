package dev.quiver.orchestration.retry;

import java.util.Map;
import java.util.Optional;

/**
 * The table from a failure's error class or exit code to its kind: the error class first (exact match), then the
 * exit code, then {@code unknown}. Built from {@code quiver.orchestration.retry.error-classes} and
 * {@code .exit-codes} over the defaults below.
 *
 * @param errorClasses kinds by error class
 * @param exitCodes    kinds by process exit code
 * @param unknown      the kind of a failure neither names
 */
public record FailureClassification(Map<String, FailureKind> errorClasses, Map<Integer, FailureKind> exitCodes,
                                    FailureKind unknown) {

    public FailureClassification {
        errorClasses = Map.copyOf(errorClasses);
        exitCodes = Map.copyOf(exitCodes);
    }

    /** Quiver's executors' error classes, common exception names, and the shell's exit codes. */
    public static final Map<String, FailureKind> DEFAULT_ERROR_CLASSES = Map.ofEntries(
            Map.entry("OutOfMemory", FailureKind.MEMORY),
            Map.entry("OutOfMemoryError", FailureKind.MEMORY),
            Map.entry("OOMKilled", FailureKind.MEMORY),
            Map.entry("DataLost", FailureKind.DATA_LOST),
            Map.entry("MissingInput", FailureKind.DATA_LOST),
            Map.entry("ArtifactMissing", FailureKind.DATA_LOST),
            Map.entry("ArtifactCorrupt", FailureKind.DATA_LOST),
            Map.entry("FileNotFoundException", FailureKind.DATA_LOST),
            Map.entry("NetworkError", FailureKind.TRANSIENT),
            Map.entry("ConnectException", FailureKind.TRANSIENT),
            Map.entry("SocketTimeoutException", FailureKind.TRANSIENT),
            Map.entry("Preempted", FailureKind.TRANSIENT),
            Map.entry("ResourcesUnavailable", FailureKind.TRANSIENT),
            Map.entry("Timeout", FailureKind.TRANSIENT),
            Map.entry("DeadlineExceeded", FailureKind.TRANSIENT),
            Map.entry("HeartbeatTimeout", FailureKind.TRANSIENT),
            Map.entry("Stalled", FailureKind.TRANSIENT),
            Map.entry("TooSlow", FailureKind.TRANSIENT),
            Map.entry("FunctionUnavailable", FailureKind.TRANSIENT),
            Map.entry("InferenceUnavailable", FailureKind.TRANSIENT),
            Map.entry("ExecutorError", FailureKind.TRANSIENT),
            Map.entry("InvalidConfiguration", FailureKind.PERMANENT),
            Map.entry("InvalidOutputs", FailureKind.PERMANENT),
            Map.entry("InvalidInput", FailureKind.PERMANENT),
            Map.entry("InvalidCode", FailureKind.PERMANENT),
            Map.entry("SyntaxError", FailureKind.PERMANENT),
            Map.entry("ImportError", FailureKind.PERMANENT),
            Map.entry("ClassNotFoundException", FailureKind.PERMANENT),
            Map.entry("IllegalArgumentException", FailureKind.PERMANENT),
            Map.entry("FunctionRejected", FailureKind.PERMANENT),
            Map.entry("InferenceRefused", FailureKind.PERMANENT),
            Map.entry("BelowThreshold", FailureKind.PERMANENT));

    /** 2: misuse (bad arguments); 126, 127: not executable, not found; 137: SIGKILL; 143: SIGTERM (preemption). */
    public static final Map<Integer, FailureKind> DEFAULT_EXIT_CODES = Map.of(
            2, FailureKind.PERMANENT,
            126, FailureKind.PERMANENT,
            127, FailureKind.PERMANENT,
            137, FailureKind.MEMORY,
            143, FailureKind.TRANSIENT);

    public static FailureClassification defaults() {
        return new FailureClassification(DEFAULT_ERROR_CLASSES, DEFAULT_EXIT_CODES, FailureKind.TRANSIENT);
    }

    /** The kind, and what decided it ("error class X", "exit code N" or "unknown"). */
    public Classified classify(String errorClass, Integer exitCode) {
        Optional<FailureKind> byClass = Optional.ofNullable(errorClass).map(errorClasses::get);
        if (byClass.isPresent()) {
            return new Classified(byClass.get(), "error class " + errorClass);
        }
        Optional<FailureKind> byCode = Optional.ofNullable(exitCode).map(exitCodes::get);
        if (byCode.isPresent()) {
            return new Classified(byCode.get(), "exit code " + exitCode);
        }
        return new Classified(unknown, "unclassified error class " + errorClass
                + (exitCode == null ? "" : " and exit code " + exitCode));
    }

    public record Classified(FailureKind kind, String by) {
    }
}
