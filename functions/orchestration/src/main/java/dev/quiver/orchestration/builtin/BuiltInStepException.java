package dev.quiver.orchestration.builtin;

/** A built-in step cannot finish: reported as the step's failure with this error class and message. */
class BuiltInStepException extends RuntimeException {

    private final String errorClass;

    BuiltInStepException(String errorClass, String message) {
        super(message);
        this.errorClass = errorClass;
    }

    String errorClass() {
        return errorClass;
    }
}
