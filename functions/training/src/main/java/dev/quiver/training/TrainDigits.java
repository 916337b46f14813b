package dev.quiver.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

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
public final class TrainDigits {

    /**
     * Tribuo logs two lines per training; the command's own output is its progress and summary. Held in a field so
     * that the level is not lost with a collected logger.
     */
    private static final Logger TRIBUO_LOG = Logger.getLogger("org.tribuo");

    private TrainDigits() {
    }

    public static void main(String[] args) {
        TRIBUO_LOG.setLevel(Level.WARNING);
        TrainingCommand command;
        try {
            command = TrainingCommand.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("quiver-training: " + e.getMessage());
            System.err.println(TrainingCommand.USAGE);
            System.exit(2);
            return;
        }
        try {
            System.exit(run(command));
        } catch (IOException e) {
            System.err.println("quiver-training: " + e.getMessage());
            System.exit(1);
        }
    }

    static int run(TrainingCommand command) throws IOException {
        DigitsDataset dataset = command.data() == null ? DigitsDataset.bundled() : DigitsDataset.load(command.data());
        EpochListener progress = command.progress() ? TrainDigits::printProgress : null;
        TrainedDigitsModel trained = new DigitsTrainer(command.options()).train(dataset, progress);
        DigitsTrainer.exportOnnx(trained, command.output(), command.modelVersion());
        String summary = String.format(Locale.ROOT,
                "{\"output\":\"%s\",\"accuracy\":%.4f,\"train_rows\":%d,\"test_rows\":%d,\"epochs\":%d,\"seed\":%d}%n",
                command.output().toString().replace("\\", "\\\\").replace("\"", "\\\""), trained.testAccuracy(),
                trained.trainRows(), trained.testRows(), command.options().epochs(), command.options().seed());
        System.out.print(summary);
        if (command.summary() != null) {
            Files.writeString(command.summary(), summary);
        }
        if (trained.testAccuracy() < command.minAccuracy()) {
            System.err.printf(Locale.ROOT, "quiver-training: accuracy %.4f is below the required %.4f%n",
                    trained.testAccuracy(), command.minAccuracy());
            return 1;
        }
        return 0;
    }

    private static void printProgress(int epoch, int epochs, double accuracy) {
        System.out.printf(Locale.ROOT,
                "##quiver {\"progress\": %.1f, \"metrics\": {\"epoch\": %d, \"accuracy\": %.4f}}%n",
                100.0 * epoch / epochs, epoch, accuracy);
        System.out.flush();
    }

    record TrainingCommand(Path output, Path data, TrainingOptions options, double minAccuracy, long modelVersion,
                           boolean progress, Path summary) {

        static final String USAGE = "usage: quiver-training --output <model.onnx> [--data <digits.csv[.gz]>] "
                + "[--epochs N] [--learning-rate X] [--seed N] [--min-accuracy X] [--model-version N] [--progress] "
                + "[--summary <file>]";

        static TrainingCommand parse(String[] args) {
            Path output = null;
            Path data = null;
            TrainingOptions options = TrainingOptions.defaults();
            double minAccuracy = 0.9;
            long modelVersion = 1;
            boolean progress = false;
            Path summary = null;
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                if (flag.equals("--progress")) {
                    progress = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(flag + " needs a value");
                }
                String value = args[++i];
                switch (flag) {
                    case "--output" -> output = Path.of(value);
                    case "--data" -> data = Path.of(value);
                    case "--epochs" -> options = options.withEpochs(Math.toIntExact(wholeNumber(flag, value)));
                    case "--learning-rate" -> options = options.withLearningRate(decimal(flag, value));
                    case "--seed" -> options = options.withSeed(wholeNumber(flag, value));
                    case "--min-accuracy" -> minAccuracy = decimal(flag, value);
                    case "--model-version" -> modelVersion = wholeNumber(flag, value);
                    case "--summary" -> summary = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            if (output == null) {
                throw new IllegalArgumentException("--output is required");
            }
            return new TrainingCommand(output, data, options, minAccuracy, modelVersion, progress, summary);
        }

        private static long wholeNumber(String flag, String value) {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " expects a whole number, got \"" + value + "\"");
            }
        }

        private static double decimal(String flag, String value) {
            try {
                return Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " expects a number, got \"" + value + "\"");
            }
        }
    }
}
