package dev.quiver.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.classification.Label;
import org.tribuo.impl.ArrayExample;

class DigitsTrainerTest {

    private static DigitsDataset dataset;
    private static TrainedDigitsModel trained;

    @BeforeAll
    static void train() {
        dataset = DigitsDataset.bundled();
        trained = new DigitsTrainer(TrainingOptions.defaults()).train(dataset);
    }

    @Test
    void bundledDataSetHasEveryRow() {
        assertThat(dataset.images()).hasSize(1797);
        assertThat(dataset.images()).extracting(DigitImage::label).containsOnly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void heldOutAccuracyExceedsNinetyPercent() {
        System.out.printf("digits model: held-out accuracy %.4f on %d rows (trained on %d)%n",
                trained.testAccuracy(), trained.testRows(), trained.trainRows());
        assertThat(trained.testAccuracy()).isGreaterThan(0.90);
        assertThat(trained.trainRows() + trained.testRows()).isEqualTo(1797);
    }

    @Test
    void trainingIsDeterministic() {
        TrainedDigitsModel again = new DigitsTrainer(TrainingOptions.defaults()).train(dataset);
        assertThat(again.testAccuracy()).isEqualTo(trained.testAccuracy());
        DigitImage probe = dataset.images().get(17);
        assertThat(probabilities(again, probe)).containsExactly(probabilities(trained, probe));
    }

    @Test
    void differentSeedGivesADifferentSplit() {
        var a = dataset.split(0.2, 1);
        var b = dataset.split(0.2, 2);
        assertThat(a.test()).hasSize(b.test().size()).isNotEqualTo(b.test());
        assertThat(dataset.split(0.2, 1).test()).isEqualTo(a.test());
    }

    @Test
    void exportedOnnxModelMatchesTribuoPredictions(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("digits/1/model.onnx");
        DigitsTrainer.exportOnnx(trained, file, 1);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
            TensorInfo input = (TensorInfo) session.getInputInfo().get("input").getInfo();
            TensorInfo output = (TensorInfo) session.getOutputInfo().get("output").getInfo();
            assertThat(input.getShape()).containsExactly(-1, 64);
            assertThat(output.getShape()).containsExactly(-1, 10);

            List<DigitImage> probes = dataset.images().subList(0, 50);
            float[][] batch = new float[probes.size()][];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = toFloats(probes.get(i).pixels());
            }
            try (OnnxTensor tensor = OnnxTensor.createTensor(env, batch);
                 OrtSession.Result result = session.run(Map.of("input", tensor))) {
                float[][] onnx = (float[][]) result.get(0).getValue();
                for (int i = 0; i < batch.length; i++) {
                    double[] tribuo = probabilities(trained, probes.get(i));
                    for (int digit = 0; digit < 10; digit++) {
                        assertThat((double) onnx[i][digit]).isCloseTo(tribuo[digit],
                                org.assertj.core.data.Offset.offset(1e-5));
                    }
                }
            }
        }
    }

    @Test
    void epochsReportTheAccuracyOfTheRunSoFar() {
        TrainingOptions options = TrainingOptions.defaults().withEpochs(4);
        List<double[]> epochs = new ArrayList<>();
        TrainedDigitsModel reported = new DigitsTrainer(options).train(dataset,
                (epoch, of, accuracy) -> epochs.add(new double[] {epoch, of, accuracy}));

        assertThat(epochs).extracting(e -> (int) e[0]).containsExactly(1, 2, 3, 4);
        assertThat(epochs).extracting(e -> (int) e[1]).containsOnly(4);
        assertThat(epochs.getLast()[2]).isEqualTo(reported.testAccuracy());
        // the epoch-e figure is that of a training of e epochs: the same trajectory, not an approximation of it
        assertThat(epochs.get(1)[2])
                .isEqualTo(new DigitsTrainer(options.withEpochs(2)).train(dataset).testAccuracy());
        assertThat(reported.testAccuracy())
                .isEqualTo(new DigitsTrainer(options).train(dataset).testAccuracy());
    }

    private static double[] probabilities(TrainedDigitsModel model, DigitImage image) {
        String[] names = new String[64];
        for (int i = 0; i < 64; i++) {
            names[i] = "px%02d".formatted(i);
        }
        var prediction = model.model().predict(new ArrayExample<>(new Label("0"), names, image.pixels()));
        double[] result = new double[10];
        prediction.getOutputScores().forEach((label, score) -> result[Integer.parseInt(label)] = score.getScore());
        return result;
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }
}
