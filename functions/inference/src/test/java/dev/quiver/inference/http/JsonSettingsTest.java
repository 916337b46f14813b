package dev.quiver.inference.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.fixtures.StandardRepository;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(StandardRepository.class)
class JsonSettingsTest {

    @Inject
    ObjectMapper mapper;

    @Test
    void parsersCreatedFromTheSharedMapperUseTheFastNumberPaths() throws Exception {
        try (JsonParser parser = mapper.getFactory().createParser("[1.5]")) {
            assertThat(parser.isEnabled(StreamReadFeature.USE_FAST_DOUBLE_PARSER)).isTrue();
        }
        assertThat(mapper.getFactory().isEnabled(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)).isTrue();
    }
}
