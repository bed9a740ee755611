package dev.brook.broker.mirror;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Where the cluster links live: a file beside the metadata on a single node ({@link
 * LocalMirrorLinkStore}). A change returns once it is durable; reads see the last change. Thread-safe.
 */
public interface MirrorLinkStore {
  /** Every link, by name. */
  Map<String, MirrorLink> links();

  default Optional<MirrorLink> link(String name) {
    return Optional.ofNullable(links().get(name));
  }

  /** Adds or replaces a link. */
  void put(MirrorLink link) throws IOException;

  /** Removes a link; false if there was none of that name. */
  boolean delete(String name) throws IOException;
}
