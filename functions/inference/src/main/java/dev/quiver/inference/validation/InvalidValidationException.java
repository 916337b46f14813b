package dev.quiver.inference.validation;

/** A {@code validation/validation.json} that cannot be read or does not fit the model it is beside. */
public class InvalidValidationException extends Exception {

    public InvalidValidationException(String message) {
        super(message);
    }
}
