package dev.quiver.inference.repository;

import dev.quiver.inference.modelconfig.VersionState;
import dev.quiver.inference.runtime.LoadedModel;
import java.time.Instant;

/**
 * One version of a model as the function currently holds it.
 *
 * @param selected whether the version policy selects it; an unselected READY version is one kept serving until a
 *                 selected version is ready
 * @param reason   why it failed, or a note on a ready version (a failed reload, being kept as a fallback)
 * @param model    the loaded version, present exactly when READY
 * @param stamp    the model file's stamp when it was (last) loaded
 * @param history  its digest, load time, validity gate report and state changes
 */
public record VersionEntry(long version, VersionState state, boolean selected, String reason, LoadedModel model,
                           FileStamp stamp, Instant since, VersionHistory history) {

    public boolean ready() {
        return state == VersionState.READY;
    }

    /** Ready and not taken out of service for its answers: may take requests. */
    public boolean serving() {
        return ready() && model.inService();
    }
}
