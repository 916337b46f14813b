package dev.quiver.documentation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Markdown file as GitHub renders it, as far as the documentation checks need: its prose lines (fenced code blocks
 * left out, since links and names there are not rendered as such), the anchors of its headings and its inline links.
 */
record MarkdownFile(Path path, List<Line> prose, Set<String> anchors) {

    /** A line of prose with its 1-based number; a blank line ends a paragraph. */
    record Line(int number, String text) {
    }

    /** An inline link {@code [text](target)} and the line it is on. */
    record Link(Path file, int line, String target) {

        @Override
        public String toString() {
            return file + ":" + line + ": (" + target + ")";
        }
    }

    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");
    private static final Pattern CODE_SPAN = Pattern.compile("`+[^`]*`+");
    private static final Pattern LINK = Pattern.compile("\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern MARKUP_LINK = Pattern.compile("!?\\[([^\\]]*)\\]\\([^)]*\\)");

    static MarkdownFile read(Path path) {
        List<String> lines;
        try {
            lines = Files.readAllLines(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
        List<Line> prose = new ArrayList<>();
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i);
            if (FENCE.matcher(text).find()) {
                fenced = !fenced;
                prose.add(new Line(i + 1, ""));
                continue;
            }
            if (fenced) {
                continue;
            }
            prose.add(new Line(i + 1, text));
            Matcher heading = HEADING.matcher(text);
            if (heading.matches()) {
                String slug = slug(heading.group(1));
                int count = seen.merge(slug, 1, Integer::sum);
                anchors.add(count == 1 ? slug : slug + "-" + (count - 1));
            }
        }
        return new MarkdownFile(path, List.copyOf(prose), Set.copyOf(anchors));
    }

    /**
     * GitHub's anchor of a heading: its text without markup, lower case, with every character other than letters,
     * digits, {@code _}, {@code -} and spaces removed and spaces turned into {@code -}.
     */
    static String slug(String heading) {
        String text = MARKUP_LINK.matcher(heading).replaceAll("$1").replace("`", "").replace("*", "");
        StringBuilder slug = new StringBuilder();
        text.toLowerCase(java.util.Locale.ROOT).codePoints().forEach(c -> {
            if (c == ' ') {
                slug.append('-');
            } else if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                slug.appendCodePoint(c);
            }
        });
        return slug.toString();
    }

    /** The inline links of the prose, code spans left out. */
    List<Link> links() {
        List<Link> links = new ArrayList<>();
        for (Line line : prose) {
            Matcher link = LINK.matcher(CODE_SPAN.matcher(line.text()).replaceAll(""));
            while (link.find()) {
                links.add(new Link(path, line.number(), link.group(1)));
            }
        }
        return links;
    }

    /** The paragraphs of the prose (runs of lines between blank lines), each a list of lines. */
    List<List<Line>> paragraphs() {
        List<List<Line>> paragraphs = new ArrayList<>();
        List<Line> current = new ArrayList<>();
        for (Line line : prose) {
            if (line.text().isBlank()) {
                if (!current.isEmpty()) {
                    paragraphs.add(current);
                    current = new ArrayList<>();
                }
            } else {
                current.add(line);
            }
        }
        if (!current.isEmpty()) {
            paragraphs.add(current);
        }
        return paragraphs;
    }
}
