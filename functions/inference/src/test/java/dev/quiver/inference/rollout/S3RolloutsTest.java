package dev.quiver.inference.rollout;

import dev.quiver.storage.ObjectStore;
import dev.quiver.storage.S3ObjectStore;
import dev.quiver.storage.S3Settings;
import dev.quiver.testservices.TestS3;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Rollouts in a model repository in S3 (S3Proxy, {@link TestS3}), each test in a bucket of its own. The two replicas
 * tick one after the other at the same moment: the second reads the first's decision and leaves the step to it.
 * (S3Proxy compares {@code If-Match} before writing, not atomically, so a true race would test the server.)
 */
class S3RolloutsTest extends RolloutsContract {

    @Override
    ObjectStore openStore() {
        TestS3 s3 = TestS3.shared();
        S3Client client = S3ObjectStore.client(new S3Settings(Optional.of(s3.uri()), "us-east-1",
                Optional.of(s3.accessKey()), Optional.of(s3.secretKey()), true));
        String bucket = "quiver-rollout-" + UUID.randomUUID();
        client.createBucket(request -> request.bucket(bucket));
        return new S3ObjectStore(client, bucket, "models");
    }

    @Override
    List<Verdict.Decision> ticksAtOnce(Replica a, Replica b) {
        List<Verdict.Decision> decided = new ArrayList<>();
        a.rollouts().tick(MODEL).ifPresent(decided::add);
        b.rollouts().tick(MODEL).ifPresent(decided::add);
        return decided;
    }
}
