package dev.quiver.testservices;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips a test class where no Azurite can be had ({@link TestAzurite#unavailable()}), with the reason, instead of
 * failing it on a machine without Node.js. Evaluated before any other extension, so a Quarkus test is skipped before
 * its application starts.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresAzurite.Condition.class)
public @interface RequiresAzurite {

    /** Enabled where Azurite answers or can be started. */
    final class Condition implements ExecutionCondition {

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return TestAzurite.unavailable().map(ConditionEvaluationResult::disabled)
                    .orElseGet(() -> ConditionEvaluationResult.enabled("Azurite answers or can be started"));
        }
    }
}
