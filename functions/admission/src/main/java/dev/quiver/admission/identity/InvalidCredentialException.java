package dev.quiver.admission.identity;

/** A credential was presented but is not valid: answered with 401, never downgraded to anonymous. */
public class InvalidCredentialException extends RuntimeException {

    public InvalidCredentialException(String message) {
        super(message);
    }
}
