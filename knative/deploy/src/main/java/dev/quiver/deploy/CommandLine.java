package dev.quiver.deploy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A parsed command line: the command, its positional arguments, its {@code --option value}s and its flags. */
public record CommandLine(String command, List<String> arguments, Map<String, String> options, Set<String> flags) {

    private static final Set<String> FLAGS = Set.of("dry-run", "help");

    public static CommandLine parse(String... args) {
        if (args.length == 0) {
            throw new UsageException("no command given");
        }
        List<String> arguments = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        Set<String> flags = new HashSet<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h")) {
                flags.add("help");
            } else if (arg.startsWith("--")) {
                String name = arg.substring(2);
                int equals = name.indexOf('=');
                if (equals >= 0) {
                    options.put(name.substring(0, equals), name.substring(equals + 1));
                } else if (FLAGS.contains(name)) {
                    flags.add(name);
                } else if (i + 1 < args.length) {
                    options.put(name, args[++i]);
                } else {
                    throw new UsageException("--" + name + " needs a value");
                }
            } else {
                arguments.add(arg);
            }
        }
        return new CommandLine(args[0], List.copyOf(arguments), Map.copyOf(options), Set.copyOf(flags));
    }

    /** Refuses options and flags the command does not take, and a wrong number of positional arguments. */
    public CommandLine expect(int positional, String positionalName, Set<String> allowedOptions) {
        for (String option : options.keySet()) {
            if (!allowedOptions.contains(option)) {
                throw new UsageException(command + ": unknown option --" + option);
            }
        }
        for (String flag : flags) {
            if (!allowedOptions.contains(flag) && !flag.equals("help")) {
                throw new UsageException(command + ": unknown option --" + flag);
            }
        }
        if (arguments.size() != positional) {
            throw new UsageException(command + ": " + (positional == 0 ? "takes no arguments"
                    : "needs exactly one " + positionalName) + ", got " + arguments);
        }
        return this;
    }

    public Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    public String required(String name) {
        return option(name).orElseThrow(() -> new UsageException(command + ": --" + name + " is required"));
    }

    public double number(String name, double fallback) {
        String value = options.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " must be a number, got " + value);
        }
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }
}
