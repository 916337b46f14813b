package dev.quiver.configfile;

/**
 * A broken rule as a validator reports it: where in the document, and what is wrong. Validators know a spec, not the
 * file it was read from; {@link ConfigFile#report} puts each error on the line its path is written on.
 *
 * @param path for example {@code steps[2].trigger.at-least}
 */
public record FieldError(String path, String message) {
}
