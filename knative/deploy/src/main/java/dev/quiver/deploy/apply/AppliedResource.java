package dev.quiver.deploy.apply;

/** One resource of an overlay after it was applied; the note, when present, says what an operator should know. */
public record AppliedResource(String kind, String name, String namespace, Outcome outcome, String note) {

    @Override
    public String toString() {
        return kind + "/" + name + " in " + namespace + ": " + outcome.label()
                + (note == null ? "" : " (" + note + ")");
    }
}
