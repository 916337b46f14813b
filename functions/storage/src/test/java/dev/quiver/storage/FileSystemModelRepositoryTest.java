package dev.quiver.storage;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class FileSystemModelRepositoryTest extends ModelRepositoryContract {

    @TempDir
    Path root;

    @Override
    ObjectStore store() {
        return new FileSystemObjectStore(root);
    }
}
