package dev.quiver.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The benchmarks' command lines, as the launcher's bench scripts call them: help, and usage errors that name the
 * option and stop before anything is measured (nothing listens on the addresses, so a benchmark that started would
 * fail with exit code 1, not 2).
 */
class BenchmarkCommandLinesTest {

    @TempDir
    Path dir;

    /** Each benchmark, with the options it requires. */
    static Stream<Arguments> benchmarks() {
        return Stream.of(
                Arguments.of("quiver bench", (Supplier<CommandLine>) InferenceBenchmark::commandLine,
                        List.of("--ocr-model", "ocr.onnx")),
                Arguments.of("quiver bench admission", (Supplier<CommandLine>) AdmissionBenchmark::commandLine,
                        List.of()),
                Arguments.of("quiver bench orchestration", (Supplier<CommandLine>) OrchestrationBenchmark::commandLine,
                        List.of()),
                Arguments.of("quiver bench failsafe", (Supplier<CommandLine>) FailsafeBenchmark::commandLine,
                        List.of()),
                Arguments.of("quiver bench coldstart", (Supplier<CommandLine>) ColdStartBenchmark::commandLine,
                        List.of("--build", "jvm=target", "--model", "digits=target")),
                Arguments.of("quiver bench batch", (Supplier<CommandLine>) BatchBenchmark::commandLine,
                        List.of("--build", "target", "--models", "target", "--digits", "digits.csv.gz")));
    }

    @ParameterizedTest
    @MethodSource("benchmarks")
    void helpShowsTheRoundsAndTheirDefault(String name, Supplier<CommandLine> benchmark, List<String> required) {
        Run run = Run.of(benchmark, "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("Usage: " + name + " [-h] ")
                .containsPattern("--rounds=N\\s+Rounds[^\\n]*\\n(\\s+[^\\n]*\\n)?\\s+Default: 5\\n");
    }

    @ParameterizedTest
    @MethodSource("benchmarks")
    void anOutOfRangeValueIsAUsageErrorThatNamesTheOption(String name, Supplier<CommandLine> benchmark,
            List<String> required) {
        Run run = Run.of(benchmark, with(required, "--rounds", "0"));

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Invalid value for option '--rounds': expected a whole number from 1, "
                + "got '0'\nUsage: " + name);
    }

    @ParameterizedTest
    @MethodSource("benchmarks")
    void anUnknownOptionIsAUsageError(String name, Supplier<CommandLine> benchmark, List<String> required) {
        Run run = Run.of(benchmark, with(required, "--round", "3"));

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Unknown options: '--round', '3'");
    }

    @Test
    void theInferenceBenchmarkNeedsTheOcrModelFile() {
        Run missing = Run.of(InferenceBenchmark::commandLine, "--rounds", "1");
        Run absent = Run.of(InferenceBenchmark::commandLine, "--ocr-model", dir.resolve("ocr.onnx").toString());

        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).startsWith("Missing required option: '--ocr-model=FILE'");
        assertThat(absent.exitCode()).isEqualTo(2);
        assertThat(absent.err()).startsWith("--ocr-model must name the OCR model file, got " + dir.resolve("ocr.onnx"));
    }

    @Test
    void durationsAreWholeSecondsAndConcurrenciesAList() throws Exception {
        Path model = Files.writeString(dir.resolve("ocr.onnx"), "not read: the options are refused first");

        Run duration = Run.of(InferenceBenchmark::commandLine, "--ocr-model", model.toString(), "--duration", "6s");
        Run concurrency = Run.of(InferenceBenchmark::commandLine, "--ocr-model", model.toString(), "--concurrency",
                "1,4,-2");

        assertThat(duration.err()).startsWith("Invalid value for option '--duration': expected whole seconds from 1, "
                + "got '6s'");
        assertThat(concurrency.err()).startsWith("Invalid value for option '--concurrency' (N): expected a whole "
                + "number from 1, got '-2'");
    }

    @Test
    void theOrchestrationBenchmarkMeasuresAndWarmsUpOnAtLeastOneCompletionAndDelaysByWholeMicroseconds() {
        Run completions = Run.of(OrchestrationBenchmark::commandLine, "--completions", "0");
        Run warmUp = Run.of(OrchestrationBenchmark::commandLine, "--warm-up", "-5");
        Run delay = Run.of(OrchestrationBenchmark::commandLine, "--network-delay", "0.5ms");

        assertThat(completions.exitCode()).isEqualTo(2);
        assertThat(completions.err()).startsWith("Invalid value for option '--completions': expected a whole number "
                + "from 1, got '0'");
        assertThat(warmUp.exitCode()).isEqualTo(2);
        assertThat(warmUp.err()).startsWith("Invalid value for option '--warm-up': expected a whole number from 1, "
                + "got '-5'");
        assertThat(delay.exitCode()).isEqualTo(2);
        assertThat(delay.err()).startsWith("Invalid value for option '--network-delay': expected whole microseconds "
                + "from 0, got '0.5ms'");
    }

    @Test
    void theColdStartBenchmarkRefusesOptionsForABuildItDoesNotStart() {
        Run run = Run.of(ColdStartBenchmark::commandLine, "--build", "jvm=" + dir, "--model", "digits=" + dir,
                "--options", "aot=--enable-native-access=ALL-UNNAMED -XX:AOTMode=on");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("--options names a build that no --build gives: [aot]");
    }

    @Test
    void theColdStartBenchmarkRefusesAModelWhoseRequestItDoesNotKnow() {
        Run run = Run.of(ColdStartBenchmark::commandLine, "--build", "jvm=" + dir, "--model", "resnet=" + dir);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("--model names a model without a known request: [resnet]; known: [digits, "
                + "ocr]");
    }

    @Test
    void theColdStartBenchmarkSendsThePeerAndTheFunctionTheSameV2Request() {
        assertThat(ColdStartBenchmark.requestBody("ocr")).startsWith("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3,48,"
                + "192],\"datatype\":\"FP32\",\"data\":[");
        assertThat(ColdStartBenchmark.requestBody("ocr").split(",")).hasSize(3 * 48 * 192 + 6);
        assertThat(ColdStartBenchmark.requestBody("digits")).contains("\"shape\":[1,64]");
    }

    private static String[] with(List<String> required, String... args) {
        return Stream.concat(required.stream(), Stream.of(args)).toArray(String[]::new);
    }

    private record Run(int exitCode, String out, String err) {

        static Run of(Supplier<CommandLine> benchmark, String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = benchmark.get().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
            return new Run(code, out.toString(), err.toString());
        }
    }
}
