package dev.quiver.admission.identity;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Issues an API key: prints the key, to hand to the caller once, and the key-store entry that holds only its salted
 * hash. {@code ./quiver new-key --plan standard --owner team-vision [--admin]}
 */
@Command(name = "quiver new-key", showDefaultValues = true,
        description = "Issues an API key: prints the key, to hand to the caller once, and the entry for the key store "
                + "(quiver.admission.keys-file), which holds only its salted hash.",
        footer = {"", "Exit codes: 0 issued, 2 wrong usage."})
public final class ApiKeyIssuer implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    private boolean help;

    @Option(names = "--plan", paramLabel = "NAME", description = "The plan whose limits the key's caller gets.")
    private String plan = "standard";

    @Option(names = "--owner", paramLabel = "LABEL", description = "Who holds the key, for reports; none when "
            + "omitted.")
    private String owner;

    @Option(names = "--admin", description = "The key may also use the admin endpoints (usage reports).")
    private boolean admin;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ApiKeyIssuer()).execute(args));
    }

    @Override
    public Integer call() {
        if (plan.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--plan must name a plan, got '" + plan + "'");
        }
        ApiKey.Issued issued = ApiKey.issue(plan, owner == null ? "" : owner, admin);
        PrintWriter out = spec.commandLine().getOut();
        out.println("key (give it to the caller; it is not stored anywhere):");
        out.println("  " + issued.key());
        out.println("entry for the key store (quiver.admission.keys-file):");
        out.print(KeyStoreEntry.of(issued.stored()));
        out.flush();
        return 0;
    }
}
