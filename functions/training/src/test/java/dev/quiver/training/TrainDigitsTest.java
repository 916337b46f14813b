package dev.quiver.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.baseline.BaselineFiles;
import dev.quiver.baseline.FeatureBaseline;
import dev.quiver.baseline.InputBaseline;
import dev.quiver.baseline.TrainingBaseline;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The trainer's command line, as the launcher and the digits pipeline call it. */
class TrainDigitsTest {

    @TempDir
    Path dir;

    @Test
    void reportsEpochsAsProgressLinesAndWritesTheSummary() throws Exception {
        Path summary = dir.resolve("result.json");

        Run run = Run.of("--output", dir.resolve("model.onnx").toString(), "--epochs", "3", "--progress",
                "--summary", summary.toString(), "--min-accuracy", "0");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("##quiver \\{\"progress\": 33\\.3, \"metrics\": \\{\"epoch\": 1, "
                + "\"accuracy\": 0\\.\\d{4}}}");
        assertThat(lines.get(2)).startsWith("##quiver {\"progress\": 100.0, \"metrics\": {\"epoch\": 3, ");
        assertThat(lines.get(3)).startsWith("{\"output\":").contains("\"epochs\":3", "\"seed\":20261123");
        assertThat(summary).content(StandardCharsets.UTF_8).isEqualTo(lines.get(3) + System.lineSeparator());
    }

    @Test
    void writesTheModelAndReportsAccuracyWithTheDefaults() {
        Path file = dir.resolve("m/3/model.onnx");

        Run run = Run.of("--output", file.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(file).isNotEmptyFile();
        assertThat(run.out()).contains("\"epochs\":15");
    }

    @Test
    void writesTheTrainingBaselineBesideTheModel() throws Exception {
        Path file = dir.resolve("digits/2/model.onnx");
        Instant before = Instant.now();

        Run run = Run.of("--output", file.toString(), "--epochs", "2", "--min-accuracy", "0");

        assertThat(run.exitCode()).as(run.err()).isZero();
        Path written = dir.resolve("digits/2/baseline.json");
        assertThat(run.out()).contains("\"baseline\":\"" + written.toAbsolutePath() + "\"");
        TrainingBaseline baseline = BaselineFiles.read(written);
        assertThat(baseline.trainedAtInstant()).isBetween(before, Instant.now());
        assertThat(baseline.rows()).isEqualTo(1438);
        assertThat(baseline.inputs()).containsOnlyKeys("input");
        InputBaseline input = baseline.inputs().get("input");
        assertThat(input.elements()).isEqualTo(64);
        assertThat(input.sampleRows()).isEqualTo(1438);
        assertThat(input.features()).hasSize(64);
        // the top-left pixel is blank in every digit; the centre ones spread over the whole range
        FeatureBaseline corner = input.features().getFirst();
        assertThat(corner.edges()).containsExactly(0);
        assertThat(corner.counts()).containsExactly(1438, 0);
        FeatureBaseline centre = input.features().get(27);
        assertThat(centre.label()).isEqualTo("27");
        assertThat(centre.edges().length).isGreaterThan(3);
        assertThat(centre.max()).isEqualTo(16);
        for (FeatureBaseline feature : input.features()) {
            assertThat(Arrays.stream(feature.counts()).sum()).isEqualTo(1438);
        }
    }

    @Test
    void failsWhenAccuracyIsBelowTheBar() {
        Run run = Run.of("--output", dir.resolve("m/1/model.onnx").toString(), "--epochs", "1", "--min-accuracy",
                "0.999");

        assertThat(run.exitCode()).isOne();
        assertThat(run.err()).matches("quiver-training: accuracy 0\\.\\d{4} is below the required 0\\.9990\\R");
    }

    @Test
    void helpShowsEveryOptionWithItsDefault() {
        Run run = Run.of("--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("Usage: quiver-training [-h] [--progress]")
                .containsPattern("--epochs=N\\s+Passes over the training rows\\.\\s+Default: 15")
                .containsPattern("--learning-rate=X\\s+AdaGrad's initial learning rate\\.\\s+Default: 0\\.5")
                .containsPattern("(?s)--min-accuracy=X.{0,200}Default: 0\\.9\\R")
                .contains("--output=<model.onnx>", "Exit codes: 0 trained, 1 below --min-accuracy or failed, 2 "
                        + "wrong usage.");
    }

    @Test
    void badArgumentsAreUsageErrorsThatNameTheOption() {
        Run notANumber = Run.of("--epochs", "many", "--output", "x");
        Run missing = Run.of("--epochs", "3");
        Run outOfRange = Run.of("--epochs", "0", "--output", dir.resolve("model.onnx").toString());
        Run unknown = Run.of("--output", "x", "--epoch", "3");

        assertThat(List.of(notANumber, missing, outOfRange, unknown)).extracting(Run::exitCode).containsOnly(2);
        assertThat(notANumber.err()).startsWith("Invalid value for option '--epochs': 'many' is not an int\n"
                + "Usage: quiver-training");
        assertThat(missing.err()).startsWith("Missing required option: '--output=<model.onnx>'");
        assertThat(outOfRange.err()).startsWith("epochs must be at least 1, got 0");
        assertThat(unknown.err()).startsWith("Unknown options: '--epoch', '3'");
        assertThat(dir.resolve("model.onnx")).doesNotExist();
    }

    private record Run(int exitCode, String out, String err) {

        static Run of(String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine command = TrainDigits.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
            int code = command.execute(args);
            return new Run(code, out.toString(), err.toString());
        }
    }
}
