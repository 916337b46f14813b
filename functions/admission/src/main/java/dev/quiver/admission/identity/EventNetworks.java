package dev.quiver.admission.identity;

import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The addresses configured as the broker's: checked so that an address is not taken for an identity it is not. A
 * block that covers a whole private range is refused, since every pod of a cluster has an address in one; loopback
 * is dropped under Knative, where every request comes from the queue-proxy on loopback.
 */
public final class EventNetworks {

    private static final Logger LOG = Logger.getLogger(EventNetworks.class);
    private static final List<Cidr> PRIVATE_RANGES = List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("172.16.0.0/12"),
            Cidr.parse("192.168.0.0/16"), Cidr.parse("100.64.0.0/10"), Cidr.parse("fc00::/7"));
    private static final List<Cidr> LOOPBACK = List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128"));

    private EventNetworks() {
    }

    /**
     * @param underKnative whether the function runs in a Knative Service (its {@code K_SERVICE} is set)
     * @throws IllegalArgumentException for a block that covers a whole private range
     */
    public static List<Cidr> checked(List<Cidr> networks, boolean underKnative) {
        List<Cidr> kept = new ArrayList<>();
        for (Cidr network : networks) {
            for (Cidr range : PRIVATE_RANGES) {
                if (network.covers(range)) {
                    throw new IllegalArgumentException("quiver.admission.events.networks: " + network + " covers the "
                            + "whole private range " + range + ", where any pod of a cluster may be: name the "
                            + "addresses of the broker's deliveries, or recognise them by OIDC token or shared secret");
                }
            }
            if (underKnative && LOOPBACK.stream().anyMatch(loopback -> loopback.covers(network))) {
                LOG.infof("quiver.admission.events.networks: %s left out: under Knative every request arrives from "
                        + "the queue-proxy on loopback", network);
                continue;
            }
            kept.add(network);
        }
        return List.copyOf(kept);
    }
}
