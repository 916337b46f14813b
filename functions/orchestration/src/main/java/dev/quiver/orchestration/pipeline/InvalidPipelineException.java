package dev.quiver.orchestration.pipeline;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** A pipeline file that cannot be run, with every problem found, in line order. */
public class InvalidPipelineException extends RuntimeException {

    private final transient List<PipelineProblem> problems;

    public InvalidPipelineException(String source, List<PipelineProblem> problems) {
        super(message(source, problems));
        this.problems = problems.stream().sorted(Comparator.comparingInt(PipelineProblem::line)).toList();
    }

    public List<PipelineProblem> problems() {
        return problems;
    }

    private static String message(String source, List<PipelineProblem> problems) {
        return "pipeline " + source + " is invalid:\n" + problems.stream()
                .sorted(Comparator.comparingInt(PipelineProblem::line))
                .map(problem -> "  " + problem).collect(Collectors.joining("\n"));
    }
}
