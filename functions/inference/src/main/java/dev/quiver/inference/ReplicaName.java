package dev.quiver.inference;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** This process's name among the function's replicas, in the reports and files each replica writes of its own. */
public final class ReplicaName {

    private ReplicaName() {
    }

    /** The pod's name (unique among live replicas) and a random part, unique for this process's life. */
    public static String create() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "replica";
            }
        }
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        String name = host + "-" + HexFormat.of().formatHex(random);
        return name.length() > 200 ? name.substring(name.length() - 200) : name;
    }
}
