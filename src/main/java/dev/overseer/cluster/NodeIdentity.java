package dev.overseer.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A node's id, kept in its data directory: a node restarted after a crash is the same node, so it
 * recognizes the leases and processes of its previous life and recovers them at once.
 */
public final class NodeIdentity {
  private NodeIdentity() {}

  public static String load(Path dataDir) throws IOException {
    Path file = dataDir.resolve("node-id");
    if (Files.isRegularFile(file)) {
      String id = Files.readString(file).trim();
      if (id.matches("[A-Za-z0-9-]{1,64}")) return id;
    }
    String id = "node-" + UUID.randomUUID().toString().substring(0, 13);
    Path tmp = dataDir.resolve("node-id.tmp");
    Files.writeString(tmp, id + "\n");
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return id;
  }
}
