package dev.quiver.orchestration.pipeline;

/**
 * One thing wrong with a pipeline file.
 *
 * @param path where in the document, for example {@code steps[2].depends[0]}
 * @param line the line in the file, from 1
 */
public record PipelineProblem(String path, int line, String message) {

    @Override
    public String toString() {
        return "line " + line + ", " + path + ": " + message;
    }
}
