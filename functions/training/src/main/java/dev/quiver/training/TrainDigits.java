package dev.quiver.training;

import dev.quiver.baseline.TrainingBaseline;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Command line: trains the digits classifier and writes it as an ONNX model.
 *
 * <pre>
 * java -jar quiver-training.jar --output models/digits/1/model.onnx [--data digits.csv.gz] [--epochs 15]
 *      [--learning-rate 0.5] [--seed 20261123] [--min-accuracy 0.9] [--progress] [--summary result.json]
 * </pre>
 *
 * Prints one JSON line with the held-out accuracy (and writes it to {@code --summary} when given); exits with 1 when
 * it is below {@code --min-accuracy}, 2 on bad arguments. With {@code --progress}, as a pipeline step of the process
 * executor, it first prints a {@code ##quiver} progress line per epoch with the epoch's held-out accuracy.
 */
@Command(name = "quiver-training", showDefaultValues = true,
        description = "Trains the digits classifier and writes it as an ONNX model; prints one JSON line with the "
                + "held-out accuracy.",
        footer = {"", "Exit codes: 0 trained, 1 below --min-accuracy or failed, 2 wrong usage."})
public final class TrainDigits implements Callable<Integer> {

    /**
     * Tribuo logs two lines per training; the command's own output is its progress and summary. Held in a field so
     * that the level is not lost with a collected logger.
     */
    private static final Logger TRIBUO_LOG = Logger.getLogger("org.tribuo");
    private static final TrainingOptions DEFAULTS = TrainingOptions.defaults();

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    private boolean help;

    @Option(names = "--output", required = true, paramLabel = "<model.onnx>", description = "Where the model goes.")
    private Path output;

    @Option(names = "--data", paramLabel = "<digits.csv[.gz]>",
            description = "Rows of 64 pixels and a label; the bundled data set when omitted.")
    private Path data;

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the training rows.")
    private int epochs = DEFAULTS.epochs();

    @Option(names = "--learning-rate", paramLabel = "X", description = "AdaGrad's initial learning rate.")
    private double learningRate = DEFAULTS.learningRate();

    @Option(names = "--seed", paramLabel = "N", description = "Seeds the split and the shuffling.")
    private long seed = DEFAULTS.seed();

    @Option(names = "--min-accuracy", paramLabel = "X",
            description = "The held-out accuracy, from 0 to 1, below which the command fails.")
    private double minAccuracy = 0.9;

    @Option(names = "--model-version", paramLabel = "N", description = "The version written into the model.")
    private long modelVersion = 1;

    @Option(names = "--progress", description = "Print a ##quiver progress line per epoch (pipeline steps).")
    private boolean progress;

    @Option(names = "--summary", paramLabel = "<file>", description = "Also write the JSON line to this file.")
    private Path summary;

    public static void main(String[] args) {
        TRIBUO_LOG.setLevel(Level.WARNING);
        System.exit(commandLine().execute(args));
    }

    /** The command, with I/O failures reported in one line (exit code 1). */
    static CommandLine commandLine() {
        return new CommandLine(new TrainDigits()).setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof IOException) {
                command.getErr().println("quiver-training: " + e.getMessage());
                return 1;
            }
            throw e;
        });
    }

    @Override
    public Integer call() throws IOException {
        TrainingOptions options = options();
        PrintWriter out = spec.commandLine().getOut();
        DigitsDataset dataset = data == null ? DigitsDataset.bundled() : DigitsDataset.load(data);
        EpochListener listener = progress ? (epoch, total, accuracy) -> printProgress(out, epoch, total, accuracy)
                : null;
        TrainedDigitsModel trained = new DigitsTrainer(options).train(dataset, listener);
        DigitsTrainer.exportOnnx(trained, output, modelVersion);
        Path baseline = output.toAbsolutePath().resolveSibling(TrainingBaseline.FILE);
        DigitsTrainer.exportBaseline(trained, baseline);
        String line = String.format(Locale.ROOT,
                "{\"output\":\"%s\",\"baseline\":\"%s\",\"accuracy\":%.4f,\"train_rows\":%d,\"test_rows\":%d,\"epochs\":%d,\"seed\":%d}%n",
                jsonText(output.toString()), jsonText(baseline.toString()), trained.testAccuracy(),
                trained.trainRows(), trained.testRows(), options.epochs(), options.seed());
        out.print(line);
        out.flush();
        if (summary != null) {
            Files.writeString(summary, line);
        }
        if (trained.testAccuracy() < minAccuracy) {
            spec.commandLine().getErr().printf(Locale.ROOT, "quiver-training: accuracy %.4f is below the required "
                    + "%.4f%n", trained.testAccuracy(), minAccuracy);
            return 1;
        }
        return 0;
    }

    /** The training settings; one out of range is a usage error naming it. */
    private TrainingOptions options() {
        if (!(minAccuracy >= 0 && minAccuracy <= 1)) {
            throw new ParameterException(spec.commandLine(), "--min-accuracy must be from 0 to 1, got " + minAccuracy);
        }
        try {
            return new TrainingOptions(epochs, learningRate, seed, DEFAULTS.testFraction());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private static String jsonText(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static void printProgress(PrintWriter out, int epoch, int epochs, double accuracy) {
        out.printf(Locale.ROOT, "##quiver {\"progress\": %.1f, \"metrics\": {\"epoch\": %d, \"accuracy\": %.4f}}%n",
                100.0 * epoch / epochs, epoch, accuracy);
        out.flush();
    }
}
