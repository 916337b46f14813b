package dev.quiver.loadtests;

import java.time.Duration;
import picocli.CommandLine.Option;

/** What the side-by-side benchmarks of the inference function take: how each scenario's clients load it. */
final class ClientLoad {

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "6",
            converter = OptionValues.PositiveSeconds.class, description = "How long each scenario is measured.")
    Duration duration;

    @Option(names = "--warm-up", paramLabel = "SECONDS", defaultValue = "2", converter = OptionValues.Seconds.class,
            description = "How long each scenario runs before it is measured.")
    Duration warmUp;

    @Option(names = "--server-warm-up", paramLabel = "SECONDS", defaultValue = "10",
            converter = OptionValues.Seconds.class, description = "How long each path of each instance is warmed up "
            + "before the rounds.")
    Duration serverWarmUp;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "16",
            converter = OptionValues.PositiveInteger.class, description = "Clients, each sending back to back.")
    int concurrency;
}
