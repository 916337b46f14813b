package dev.quiver.inference.predictionlog;

import org.apache.kafka.common.serialization.Serializer;

/** The Kafka value serializer of the prediction log: the JSON body of the event, on the producer's own thread. */
public class PredictionPayloadSerializer implements Serializer<PredictionPayload> {

    @Override
    public byte[] serialize(String topic, PredictionPayload payload) {
        return payload == null ? null : PredictionPayloadJson.write(payload);
    }
}
