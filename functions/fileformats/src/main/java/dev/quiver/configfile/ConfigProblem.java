package dev.quiver.configfile;

/**
 * One thing wrong with a configuration file.
 *
 * @param path where in the document, for example {@code steps[2].depends[0]}; {@link #WHOLE_FILE} for the file as a
 *             whole
 * @param line the line in the file, from 1
 */
public record ConfigProblem(String path, int line, String message) {

    public static final String WHOLE_FILE = "(file)";

    @Override
    public String toString() {
        return "line " + line + ", " + path + ": " + message;
    }
}
