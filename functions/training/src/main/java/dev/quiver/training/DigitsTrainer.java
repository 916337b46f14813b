package dev.quiver.training;

import dev.quiver.baseline.BaselineBuilder;
import dev.quiver.baseline.BaselineFiles;
import dev.quiver.baseline.TrainingBaseline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * Trains a multinomial logistic regression on the 8x8 digits with Tribuo and exports it to ONNX.
 *
 * <p>The ONNX graph takes {@code input} float[N,64] (raw pixel values 0..16, row-major) and returns {@code output}
 * float[N,10], the probability of each digit in order 0..9.
 */
public final class DigitsTrainer {

    public static final String ONNX_DOMAIN = "dev.quiver.digits";
    /** The exported graph's input, the name callers use and the baseline's input. */
    public static final String INPUT = "input";

    private static final String[] FEATURE_NAMES = featureNames();

    private final TrainingOptions options;

    public DigitsTrainer(TrainingOptions options) {
        this.options = options;
    }

    public TrainedDigitsModel train(DigitsDataset dataset) {
        return train(dataset, null);
    }

    /**
     * Trains and, when {@code listener} is given, tells it the held-out accuracy after every epoch. Tribuo's SGD
     * trainers have neither an epoch hook nor a warm start, so the model after epoch e is trained anew with e epochs:
     * with the same seed a trainer shuffles the same way in every run, so that model is exactly the one the full run
     * holds after e epochs. It costs epochs x (epochs + 1) / 2 epochs in all, a few seconds for the digits.
     */
    public TrainedDigitsModel train(DigitsDataset dataset, EpochListener listener) {
        DigitsDataset.Split split = dataset.split(options.testFraction(), options.seed());
        LabelFactory labels = new LabelFactory();
        MutableDataset<Label> train = toTribuo(split.train(), labels, "digits-train");
        MutableDataset<Label> test = toTribuo(split.test(), labels, "digits-test");

        if (listener != null) {
            for (int epoch = 1; epoch < options.epochs(); epoch++) {
                listener.epochDone(epoch, options.epochs(), accuracy(trainFor(epoch, train), test));
            }
        }
        LinearSGDModel model = trainFor(options.epochs(), train);
        requireDigitOrder(model);
        double accuracy = accuracy(model, test);
        if (listener != null) {
            listener.epochDone(options.epochs(), options.epochs(), accuracy);
        }
        return new TrainedDigitsModel(model, accuracy, split.train().size(), split.test().size(),
                baseline(split.train()));
    }

    /** What the training rows looked like, for the inference function to compare the rows it serves with. */
    private TrainingBaseline baseline(List<DigitImage> rows) {
        BaselineBuilder builder = new BaselineBuilder(options.seed()).input(INPUT, DigitImage.PIXELS);
        for (DigitImage image : rows) {
            builder.add(INPUT, image.pixels());
        }
        return builder.build(Instant.now());
    }

    private LinearSGDModel trainFor(int epochs, MutableDataset<Label> train) {
        LinearSGDTrainer trainer = new LinearSGDTrainer(new LogMulticlass(), new AdaGrad(options.learningRate(), 0.1),
                epochs, Integer.MAX_VALUE, options.seed());
        return (LinearSGDModel) trainer.train(train);
    }

    private static double accuracy(LinearSGDModel model, MutableDataset<Label> test) {
        return new LabelEvaluator().evaluate(model, test).accuracy();
    }

    /** Writes the model as ONNX, atomically: readers of {@code target} never see a partial file. */
    public static void exportOnnx(TrainedDigitsModel trained, Path target, long modelVersion) throws IOException {
        Path directory = target.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = Files.createTempFile(directory, ".model-", ".onnx.tmp");
        try {
            trained.model().saveONNXModel(ONNX_DOMAIN, modelVersion, temporary);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Writes the training baseline ({@code baseline.json}) atomically, for the model beside it. */
    public static void exportBaseline(TrainedDigitsModel trained, Path target) throws IOException {
        BaselineFiles.write(trained.baseline(), target);
    }

    private static MutableDataset<Label> toTribuo(List<DigitImage> images, LabelFactory labels, String name) {
        MutableDataset<Label> dataset = new MutableDataset<>(new SimpleDataSourceProvenance(name, labels), labels);
        for (DigitImage image : images) {
            Example<Label> example = new ArrayExample<>(new Label(Integer.toString(image.label())), FEATURE_NAMES,
                    image.pixels());
            dataset.add(example);
        }
        return dataset;
    }

    /**
     * The exported output's columns follow Tribuo's label ids; callers read column d as "digit d", so the ids must be
     * the digits themselves. Tribuo assigns them from the training labels, so this is checked rather than assumed.
     */
    private static void requireDigitOrder(Model<Label> model) {
        var outputs = model.getOutputIDInfo();
        if (outputs.size() != 10) {
            throw new IllegalStateException("the training rows hold " + outputs.size() + " distinct digits, expected 10");
        }
        for (int digit = 0; digit < 10; digit++) {
            int id = outputs.getID(new Label(Integer.toString(digit)));
            if (id != digit) {
                throw new IllegalStateException("digit " + digit + " got output column " + id
                        + "; the exported model would mislabel its predictions");
            }
        }
    }

    private static String[] featureNames() {
        String[] names = new String[DigitImage.PIXELS];
        for (int i = 0; i < names.length; i++) {
            // zero-padded so that Tribuo's lexicographic feature order is the pixel order
            names[i] = "px%02d".formatted(i);
        }
        return names;
    }
}
