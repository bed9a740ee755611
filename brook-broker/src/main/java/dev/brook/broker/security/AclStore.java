package dev.brook.broker.security;

import java.io.IOException;
import java.util.Collection;
import java.util.function.Consumer;

/**
 * Where ACLs are kept so that a restart, and every broker of a cluster, sees them: the local
 * metadata directory on a single node, ZooKeeper in a cluster. Writes block on I/O: never call them
 * on a network thread. After every change, made here or by another broker, the listener hears the
 * whole new set (on the store's own thread).
 */
public interface AclStore extends AutoCloseable {
  /** Every ACL stored now. */
  Collection<Acl> acls();

  /** Stores {@code acls} (already stored ones are kept once). */
  void add(Collection<Acl> acls) throws IOException;

  /** Removes every stored ACL equal to one of {@code acls}. */
  void remove(Collection<Acl> acls) throws IOException;

  /** Hears the whole set after each change; called once at once with the current set. */
  void onChange(Consumer<Collection<Acl>> listener);

  @Override
  default void close() {}
}
