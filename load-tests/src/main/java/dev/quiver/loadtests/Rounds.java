package dev.quiver.loadtests;

import picocli.CommandLine.Option;

/** What every benchmark's command line takes: its help, and how many rounds it runs. */
final class Rounds {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    private boolean help;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5", converter = OptionValues.PositiveInteger.class,
            description = "Rounds; the report gives the median of each figure over them.")
    private int rounds;

    int count() {
        return rounds;
    }
}
