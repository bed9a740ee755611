package dev.brook.broker.security;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Where SCRAM credentials live: a file beside the single node's metadata ({@link
 * LocalScramCredentialStore}), ZooKeeper's {@code /config/users/<name>} in a cluster (as Kafka keeps
 * them). A change returns once it is durable. Thread-safe; reads may block briefly (ZooKeeper), so
 * callers on an event loop go through a background executor.
 */
public interface ScramCredentialStore {
  Optional<ScramCredential> credential(String user, ScramMechanism mechanism) throws IOException;

  /** Every user's credentials by mechanism. */
  Map<String, Map<ScramMechanism, ScramCredential>> all() throws IOException;

  /** Sets (credential non-null) or deletes (null) one user's credential of one mechanism. */
  void alter(String user, ScramMechanism mechanism, ScramCredential credential) throws IOException;
}
