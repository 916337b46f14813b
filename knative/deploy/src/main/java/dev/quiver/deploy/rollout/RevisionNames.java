package dev.quiver.deploy.rollout;

import java.security.SecureRandom;
import java.util.function.Supplier;

/**
 * Names for new revisions, {@code <service>-<short id>}: named up front, a revision can be given traffic before it
 * exists. Knative requires the service's name as the prefix.
 */
public record RevisionNames(Supplier<String> shortIds) {

    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static RevisionNames random() {
        SecureRandom random = new SecureRandom();
        return new RevisionNames(() -> {
            StringBuilder id = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            return id.toString();
        });
    }

    public String next(String service) {
        return service + "-" + shortIds.get();
    }
}
