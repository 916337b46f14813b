package dev.quiver.documentation;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code quiver.*} settings a Markdown file names in code spans: {@code `quiver.batch.chunk-rows`}, a map entry
 * as {@code `quiver.orchestration.retry.error-classes."<class>"`} (read as {@code ...error-classes.*}), and the short
 * forms that follow a full name in the same paragraph, {@code `quiver.storage.s3.endpoint` / `.region`}, which replace
 * its last part. A name ending in {@code .*}, {@code `quiver.storage.s3.*`}, stands for the settings under it.
 */
final class DocumentedProperties {

    /** A setting named in a file, and where. */
    record Mention(String name, boolean isPrefix, String where) {
    }

    private static final Pattern CODE_SPAN = Pattern.compile("`([^`]+)`");
    private static final String PART = "(?:\\.[a-z0-9][a-z0-9-]*|\\.\"<[^>\"]*>\")";
    private static final Pattern DOTTED = Pattern.compile("^[a-z][a-z0-9-]*" + PART + "+(?:\\.\\*)?");
    /** Not a setting when a word character follows: {@code quiver.run_id} is a span attribute, not {@code quiver.run}. */
    private static final Pattern SETTING = Pattern.compile("(?<![\\w./-])quiver" + PART + "+(\\.\\*)?(?!\\w)");
    private static final Pattern SHORT_FORM = Pattern.compile("^" + PART + "+$");
    private static final Pattern MAP_KEY = Pattern.compile("\\.\"<[^>\"]*>\"");

    private DocumentedProperties() {
    }

    static List<Mention> of(MarkdownFile file, String name) {
        List<Mention> mentions = new ArrayList<>();
        for (List<MarkdownFile.Line> paragraph : file.paragraphs()) {
            String base = null;
            for (MarkdownFile.Line line : paragraph) {
                Matcher span = CODE_SPAN.matcher(line.text());
                while (span.find()) {
                    String code = span.group(1);
                    String where = name + ":" + line.number();
                    if (SHORT_FORM.matcher(code).matches()) {
                        if (base != null && base.startsWith("quiver.")) {
                            mentions.add(mention(replaceLastPart(base, code), where));
                        }
                        continue;
                    }
                    Matcher dotted = DOTTED.matcher(code);
                    if (dotted.find()) {
                        base = dotted.group();
                    }
                    Matcher setting = SETTING.matcher(code);
                    while (setting.find()) {
                        mentions.add(mention(setting.group(), where));
                    }
                }
            }
        }
        return mentions;
    }

    private static Mention mention(String written, String where) {
        boolean isPrefix = written.endsWith(".*");
        String name = MAP_KEY.matcher(isPrefix ? written.substring(0, written.length() - 2) : written)
                .replaceAll(".*");
        return new Mention(name, isPrefix, where);
    }

    /** {@code quiver.a.b.c} and {@code .d} give {@code quiver.a.b.d}; a map key at the end goes with its map. */
    private static String replaceLastPart(String base, String shortForm) {
        String parent = MAP_KEY.matcher(base).replaceAll("").replaceFirst("\\.\\*$", "");
        return parent.substring(0, parent.lastIndexOf('.')) + shortForm;
    }
}
