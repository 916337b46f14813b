package dev.quiver.admission.http;

/** Thrown where a request is refused after it was admitted (its per-model cost did not fit), carrying the answer. */
public class AdmissionRejectedException extends RuntimeException {

    private final Rejection rejection;

    public AdmissionRejectedException(Rejection rejection) {
        super(rejection.detail(), null, false, false);
        this.rejection = rejection;
    }

    public Rejection rejection() {
        return rejection;
    }
}
