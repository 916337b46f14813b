package dev.quiver.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BaselineBuilderTest {

    private static final Instant TRAINED = Instant.parse("2026-12-05T10:00:00Z");

    @Test
    void eachElementOfASmallInputIsAFeatureWithDecileBinsCountingEveryRow() {
        BaselineBuilder builder = new BaselineBuilder(1).input("x", 2);
        for (int i = 0; i < 1000; i++) {
            builder.add("x", new double[] {i, 7});
        }
        TrainingBaseline baseline = builder.build(TRAINED);
        assertThat(baseline.rows()).isEqualTo(1000);
        assertThat(baseline.trainedAt()).isEqualTo("2026-12-05T10:00:00Z");
        InputBaseline x = baseline.inputs().get("x");
        assertThat(x.elements()).isEqualTo(2);
        assertThat(x.sampleRows()).isEqualTo(1000);
        FeatureBaseline spread = x.features().get(0);
        assertThat(spread.edges()).containsExactly(99, 199, 299, 399, 499, 599, 699, 799, 899);
        assertThat(spread.counts()).containsOnly(100);
        assertThat(spread.mean()).isEqualTo(499.5);
        assertThat(spread.min()).isZero();
        assertThat(spread.max()).isEqualTo(999);
        FeatureBaseline constant = x.features().get(1);
        assertThat(constant.edges()).containsExactly(7);
        assertThat(constant.counts()).containsExactly(1000, 0);
        assertThat(constant.std()).isZero();
    }

    @Test
    void aLargeInputIsPooledIntoAtMostMaxFeaturesGroupsCoveringEveryElement() {
        int elements = 3 * 32 * 32;
        BaselineBuilder builder = new BaselineBuilder(1).input("image", elements);
        double[] item = new double[elements];
        Arrays.fill(item, 0, elements / 2, 1);
        builder.add("image", item);
        InputBaseline image = builder.build(TRAINED).inputs().get("image");
        assertThat(image.features()).hasSize(BaselineBuilder.MAX_FEATURES);
        assertThat(image.features().getFirst().label()).isEqualTo("0-11");
        assertThat(image.features().getFirst().mean()).isEqualTo(1);
        assertThat(image.features().getLast().to()).isEqualTo(elements);
        assertThat(image.features().getLast().mean()).isZero();
    }

    @Test
    void aTrainingSetLargerThanTheSampleKeepsBoundedRowsAndCountsAllSeen() {
        BaselineBuilder builder = new BaselineBuilder(3).input("x", 1);
        for (int i = 0; i < BaselineBuilder.SAMPLE_ROWS * 3; i++) {
            builder.add("x", new double[] {i % 100});
        }
        TrainingBaseline baseline = builder.build(TRAINED);
        assertThat(baseline.rows()).isEqualTo(BaselineBuilder.SAMPLE_ROWS * 3L);
        InputBaseline x = baseline.inputs().get("x");
        assertThat(x.sampleRows()).isEqualTo(BaselineBuilder.SAMPLE_ROWS);
        assertThat(Arrays.stream(x.features().getFirst().counts()).sum()).isEqualTo(BaselineBuilder.SAMPLE_ROWS);
        assertThat(x.features().getFirst().mean()).isBetween(47.0, 52.0);
    }

    @Test
    void valuesFallIntoTheBinOfTheirUpperEdge() {
        FeatureBaseline feature = new FeatureBaseline(0, 1, new double[] {0, 5}, new long[] {1, 1, 1}, 0, 0, 0, 0);
        assertThat(feature.bin(-1)).isZero();
        assertThat(feature.bin(0)).isZero();
        assertThat(feature.bin(0.5)).isEqualTo(1);
        assertThat(feature.bin(5)).isEqualTo(1);
        assertThat(feature.bin(16)).isEqualTo(2);
    }

    @Test
    void aFileReadsBackAsWrittenAndABrokenOneIsRefusedNamingTheField() throws IOException {
        BaselineBuilder builder = new BaselineBuilder(1).input("x", 1);
        builder.add("x", new double[] {1});
        TrainingBaseline written = builder.build(TRAINED);
        String json = new String(BaselineFiles.toJson(written), StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\"trained_at\":\"2026-12-05T10:00:00Z\",\"rows\":1,\"inputs\":{\"x\":")
                .contains("\"sample_rows\":1");
        TrainingBaseline read = BaselineFiles.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
                "baseline.json");
        assertThat(read.inputs().get("x").features().getFirst().counts()).containsExactly(1, 0);
        assertThatThrownBy(() -> BaselineFiles.read(new ByteArrayInputStream(json.replace("2026-12-05T10:00:00Z",
                "yesterday").getBytes(StandardCharsets.UTF_8)), "baseline.json"))
                .hasMessageStartingWith("baseline.json: trained_at: expected an ISO-8601 instant");
        assertThatThrownBy(() -> BaselineFiles.read(new ByteArrayInputStream(json.replace("\"counts\":[1,0]",
                "\"counts\":[1]").getBytes(StandardCharsets.UTF_8)), "baseline.json"))
                .hasMessageContaining("expected one more count than edges");
    }
}
