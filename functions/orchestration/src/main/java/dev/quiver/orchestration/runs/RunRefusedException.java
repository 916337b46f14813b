package dev.quiver.orchestration.runs;

/**
 * An event that can never be acted on as sent (an unknown pipeline or run, a step the run does not have): answered
 * with a 4xx so that it is not delivered again. The message names the field at fault.
 */
public class RunRefusedException extends RuntimeException {

    public RunRefusedException(String message) {
        super(message);
    }
}
