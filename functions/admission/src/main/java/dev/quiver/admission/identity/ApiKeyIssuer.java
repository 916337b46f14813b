package dev.quiver.admission.identity;

/**
 * Issues an API key: prints the key, to hand to the caller once, and the key-store entry that holds only its salted
 * hash. {@code ./quiver new-key --plan standard --owner team-vision [--admin]}
 */
public final class ApiKeyIssuer {

    private ApiKeyIssuer() {
    }

    public static void main(String[] args) {
        String plan = "standard";
        String owner = "";
        boolean admin = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--plan" -> plan = value(args, ++i, "--plan");
                case "--owner" -> owner = value(args, ++i, "--owner");
                case "--admin" -> admin = true;
                default -> {
                    System.err.println("unknown option " + args[i] + "; expected --plan NAME, --owner LABEL, --admin");
                    System.exit(2);
                }
            }
        }
        ApiKey.Issued issued = ApiKey.issue(plan, owner, admin);
        ApiKey stored = issued.stored();
        System.out.println("key (give it to the caller; it is not stored anywhere):");
        System.out.println("  " + issued.key());
        System.out.println("entry for the key store (quiver.admission.keys-file):");
        System.out.print(KeyStoreEntry.of(stored));
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            System.err.println(option + " needs a value");
            System.exit(2);
        }
        return args[index];
    }
}
