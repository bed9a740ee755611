package dev.brook.broker.mirror;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Where the cluster links live: a file beside the metadata on a single node ({@link
 * LocalMirrorLinkStore}), ZooKeeper in a cluster (every broker sees every link). Secrets are stored
 * encrypted ({@link LinkSecrets}); {@link #links} holds them decrypted. A change returns once it is
 * durable; reads on the broker that made it see it at once (on the other brokers of a cluster within
 * ZooKeeper's notification delay). Thread-safe; {@link #links} never blocks.
 */
public interface MirrorLinkStore {
  /** Every link, by name. */
  Map<String, MirrorLink> links();

  default Optional<MirrorLink> link(String name) {
    return Optional.ofNullable(links().get(name));
  }

  /**
   * Throws {@link dev.brook.broker.config.ConfigException} (naming {@code password.encoder.secret})
   * when {@code link} could not be stored, before anything is changed.
   */
  void checkStorable(MirrorLink link);

  /** Adds or replaces a link ({@link #checkStorable} first). */
  void put(MirrorLink link) throws IOException;

  /** Removes a link; false if there was none of that name. */
  boolean delete(String name) throws IOException;
}
