package dev.quiver.configfile;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration file that cannot be used, with every problem found in it, in line order: the one error type of
 * every file Quiver reads its configuration from.
 */
public class InvalidConfigException extends RuntimeException {

    private final transient List<ConfigProblem> problems;

    /** @param source names the file in the message, for example {@code pipeline digits.yaml} */
    public InvalidConfigException(String source, List<ConfigProblem> problems) {
        super(message(source, inLineOrder(problems)));
        this.problems = inLineOrder(problems);
    }

    /** In line order; problems on one line in the order they were found. */
    public List<ConfigProblem> problems() {
        return problems;
    }

    private static List<ConfigProblem> inLineOrder(List<ConfigProblem> problems) {
        return problems.stream().sorted(Comparator.comparingInt(ConfigProblem::line)).toList();
    }

    private static String message(String source, List<ConfigProblem> problems) {
        if (problems.size() == 1) {
            return source + " is invalid: " + problems.getFirst();
        }
        return source + " is invalid (" + problems.size() + " problems):\n" + problems.stream()
                .map(problem -> "  " + problem).collect(Collectors.joining("\n"));
    }
}
