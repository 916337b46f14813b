package dev.quiver.inference.modelconfig;

import java.nio.file.Path;
import java.util.List;

/** A configuration file that breaks one or more rules; the model is not served until it is fixed. */
public class InvalidModelConfigException extends RuntimeException {

    private final List<String> problems;

    public InvalidModelConfigException(Path file, List<String> problems) {
        super(file.getFileName() + ": " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
