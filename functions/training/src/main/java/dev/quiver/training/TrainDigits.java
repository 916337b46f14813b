package dev.quiver.training;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Command line: trains the digits classifier and writes it as an ONNX model.
 *
 * <pre>
 * java -jar quiver-training.jar --output models/digits/1/model.onnx [--data digits.csv.gz] [--epochs 15]
 *      [--learning-rate 0.5] [--seed 20261123] [--min-accuracy 0.9]
 * </pre>
 *
 * Prints one JSON line with the held-out accuracy; exits with 1 when it is below {@code --min-accuracy}, 2 on bad
 * arguments.
 */
public final class TrainDigits {

    private TrainDigits() {
    }

    public static void main(String[] args) {
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
        TrainedDigitsModel trained = new DigitsTrainer(command.options()).train(dataset);
        DigitsTrainer.exportOnnx(trained, command.output(), command.modelVersion());
        System.out.printf(Locale.ROOT,
                "{\"output\":\"%s\",\"accuracy\":%.4f,\"train_rows\":%d,\"test_rows\":%d,\"epochs\":%d,\"seed\":%d}%n",
                command.output().toString().replace("\\", "\\\\").replace("\"", "\\\""), trained.testAccuracy(),
                trained.trainRows(), trained.testRows(), command.options().epochs(), command.options().seed());
        if (trained.testAccuracy() < command.minAccuracy()) {
            System.err.printf(Locale.ROOT, "quiver-training: accuracy %.4f is below the required %.4f%n",
                    trained.testAccuracy(), command.minAccuracy());
            return 1;
        }
        return 0;
    }

    record TrainingCommand(Path output, Path data, TrainingOptions options, double minAccuracy, long modelVersion) {

        static final String USAGE = "usage: quiver-training --output <model.onnx> [--data <digits.csv[.gz]>] "
                + "[--epochs N] [--learning-rate X] [--seed N] [--min-accuracy X] [--model-version N]";

        static TrainingCommand parse(String[] args) {
            Path output = null;
            Path data = null;
            TrainingOptions options = TrainingOptions.defaults();
            double minAccuracy = 0.9;
            long modelVersion = 1;
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
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
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            if (output == null) {
                throw new IllegalArgumentException("--output is required");
            }
            return new TrainingCommand(output, data, options, minAccuracy, modelVersion);
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
