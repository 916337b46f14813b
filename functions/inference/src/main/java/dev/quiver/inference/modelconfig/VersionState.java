package dev.quiver.inference.modelconfig;

/**
 * The lifecycle of one model version: {@code LOADING -> READY -> UNLOADING}, or {@code LOADING -> FAILED}. Only a
 * READY version answers requests; a version is never served half-loaded.
 */
public enum VersionState {
    /** Session being created and warmed up. */
    LOADING,
    /** Warmed up and answering requests. */
    READY,
    /** Could not be loaded or warmed up; the reason is reported. Retried when its files change. */
    FAILED,
    /** Removed from the repository (or replaced); finishing the requests it accepted, then closed. */
    UNLOADING
}
