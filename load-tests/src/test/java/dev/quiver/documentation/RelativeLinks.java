package dev.quiver.documentation;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks the relative links of Markdown files: a link to a file or folder must find it, and a link with
 * {@code #anchor} must find that heading in the Markdown file it names (or in its own file for {@code #anchor} alone).
 */
final class RelativeLinks {

    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

    private final Path root;
    private final Map<Path, MarkdownFile> files = new HashMap<>();

    RelativeLinks(Path root) {
        this.root = root;
    }

    /** Every link of {@code markdown} that does not resolve, each with its file, line and what is missing. */
    List<String> problems(List<Path> markdown) {
        List<String> problems = new ArrayList<>();
        for (Path path : markdown) {
            for (MarkdownFile.Link link : file(path).links()) {
                String problem = problem(link);
                if (problem != null) {
                    problems.add(root.relativize(link.file()) + ":" + link.line() + ": (" + link.target() + ") "
                            + problem);
                }
            }
        }
        return problems;
    }

    private String problem(MarkdownFile.Link link) {
        String target = link.target();
        if (SCHEME.matcher(target).find() || target.startsWith("//")) {
            return null;
        }
        int hash = target.indexOf('#');
        String path = URLDecoder.decode(hash < 0 ? target : target.substring(0, hash), StandardCharsets.UTF_8);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        if (path.startsWith("/")) {
            return "is absolute; a link inside the repository is relative to the file";
        }
        Path resolved = path.isEmpty() ? link.file() : link.file().getParent().resolve(path).normalize();
        if (!resolved.startsWith(root)) {
            return "leads outside the repository";
        }
        if (!Files.exists(resolved)) {
            return "names no file or folder: " + root.relativize(resolved) + " does not exist";
        }
        if (anchor == null) {
            return null;
        }
        if (!resolved.getFileName().toString().endsWith(".md") || Files.isDirectory(resolved)) {
            return "has an anchor, but " + root.relativize(resolved) + " is no Markdown file";
        }
        String decoded = URLDecoder.decode(anchor.replace("+", "%2B"), StandardCharsets.UTF_8);
        if (!file(resolved).anchors().contains(decoded)) {
            return "names no heading of " + root.relativize(resolved) + ": #" + anchor + " is none of "
                    + file(resolved).anchors().stream().sorted().toList();
        }
        return null;
    }

    private MarkdownFile file(Path path) {
        return files.computeIfAbsent(path, MarkdownFile::read);
    }
}
