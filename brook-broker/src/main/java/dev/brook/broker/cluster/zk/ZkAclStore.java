package dev.brook.broker.cluster.zk;

import dev.brook.broker.security.Acl;
import dev.brook.broker.security.AclStore;
import dev.brook.broker.security.Operation;
import dev.brook.broker.security.PatternType;
import dev.brook.broker.security.Permission;
import dev.brook.broker.security.ResourceType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's ACLs in ZooKeeper, in Kafka's layout: literal patterns in
 * {@code /kafka-acl/<ResourceType>/<name>}, prefixed ones in
 * {@code /kafka-acl-extended/prefixed/<ResourceType>/<name>}, each znode
 * {@code {"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Read","host":"*"}]}};
 * every change also leaves a sequential node under {@code /kafka-acl-changes} (literal) or
 * {@code /kafka-acl-extended-changes} (prefixed), as Kafka's brokers write them. Brook's brokers
 * follow the ACL znodes themselves through watches (a change reaches every broker in the time of
 * a ZooKeeper notification), so the change nodes are for tools and are not read back.
 *
 * <p>Writes are compare-and-set on the znode's version, retried on a concurrent change. The
 * in-memory view is updated by this broker's own writes at once and by watch events from others;
 * the listener hears the whole set after either (on the writer's or the cache's thread).
 */
public final class ZkAclStore implements AclStore {
  private static final Logger log = LoggerFactory.getLogger(ZkAclStore.class);
  static final String LITERAL_ROOT = "/kafka-acl";
  static final String PREFIXED_ROOT = "/kafka-acl-extended/prefixed";
  static final String LITERAL_CHANGES = "/kafka-acl-changes";
  static final String PREFIXED_CHANGES = "/kafka-acl-extended-changes";

  private record Key(ResourceType type, PatternType pattern, String name) {}

  private record Versioned(int version, Set<Acl> acls) {}

  private final CuratorFramework zk;
  private final List<CuratorCache> caches = new ArrayList<>();
  private final Map<Key, Versioned> byResource = new HashMap<>();
  private volatile Set<Acl> all = Set.of();
  private volatile Consumer<Collection<Acl>> listener = a -> {};

  private ZkAclStore(CuratorFramework zk) {
    this.zk = zk;
  }

  /** Opens the store on the cluster's session and waits (bounded) until the current ACLs are read. */
  public static ZkAclStore open(ZkCluster cluster) throws Exception {
    ZkAclStore store = new ZkAclStore(cluster.zk());
    try {
      store.start(cluster.settings().connectionTimeoutMs());
    } catch (Exception e) {
      store.close();
      throw e;
    }
    return store;
  }

  private void start(int timeoutMs) throws Exception {
    for (String root : List.of(LITERAL_ROOT, PREFIXED_ROOT, LITERAL_CHANGES, PREFIXED_CHANGES)) zk.createContainers(root);
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    for (String root : List.of(LITERAL_ROOT, PREFIXED_ROOT)) {
      CuratorCache cache = CuratorCache.build(zk, root);
      CompletableFuture<Void> initialized = new CompletableFuture<>();
      cache.listenable().addListener(CuratorCacheListener.builder()
          .forCreatesAndChanges((oldData, data) -> onNode(data, false))
          .forDeletes(data -> onNode(data, true))
          .forInitialized(() -> initialized.complete(null))
          .build());
      caches.add(cache);
      ready.add(initialized);
      cache.start();
    }
    CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(timeoutMs, TimeUnit.MILLISECONDS);
  }

  private void onNode(ChildData data, boolean deleted) {
    Key key = keyOf(data.getPath());
    if (key == null) return;
    try {
      synchronized (this) {
        Versioned current = byResource.get(key);
        if (deleted) {
          if (current != null && current.version() <= data.getStat().getVersion()) byResource.remove(key);
        } else {
          int version = data.getStat().getVersion();
          if (current != null && current.version() > version) return; // our own newer write is applied
          byResource.put(key, new Versioned(version, parse(key, data.getData())));
        }
        publish();
      }
    } catch (RuntimeException e) {
      log.warn("Ignoring unreadable ACL znode {}", data.getPath(), e);
    }
  }

  private void publish() {
    Set<Acl> next = new LinkedHashSet<>();
    for (Versioned v : byResource.values()) next.addAll(v.acls());
    all = Set.copyOf(next);
    listener.accept(all);
  }

  @Override
  public Collection<Acl> acls() {
    return all;
  }

  @Override
  public void add(Collection<Acl> acls) throws IOException {
    change(acls, true);
  }

  @Override
  public void remove(Collection<Acl> acls) throws IOException {
    change(acls, false);
  }

  private void change(Collection<Acl> acls, boolean add) throws IOException {
    Map<Key, List<Acl>> grouped = new LinkedHashMap<>();
    for (Acl a : acls) grouped.computeIfAbsent(new Key(a.resourceType(), a.patternType(), a.name()), k -> new ArrayList<>()).add(a);
    try {
      for (Map.Entry<Key, List<Acl>> e : grouped.entrySet()) update(e.getKey(), e.getValue(), add);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("ACL change in ZooKeeper failed", e);
    }
  }

  /** Read, change, compare-and-set; again if another broker changed the znode meanwhile. */
  private void update(Key key, List<Acl> acls, boolean add) throws Exception {
    String path = path(key);
    while (true) {
      Stat stat = new Stat();
      Set<Acl> current;
      try {
        current = parse(key, zk.getData().storingStatIn(stat).forPath(path));
      } catch (KeeperException.NoNodeException e) {
        stat = null;
        current = Set.of();
      }
      Set<Acl> next = new LinkedHashSet<>(current);
      boolean changed = add ? next.addAll(acls) : next.removeAll(acls);
      if (!changed) return;
      int version;
      try {
        if (next.isEmpty()) {
          zk.delete().withVersion(stat.getVersion()).forPath(path);
          version = stat.getVersion() + 1;
        } else if (stat == null) {
          zk.create().creatingParentContainersIfNeeded().forPath(path, ZkData.bytes(json(next)));
          version = 0;
        } else {
          version = zk.setData().withVersion(stat.getVersion()).forPath(path, ZkData.bytes(json(next))).getVersion();
        }
      } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException | KeeperException.NoNodeException e) {
        continue;
      }
      synchronized (this) {
        Versioned cur = byResource.get(key);
        if (cur == null || cur.version() <= version) {
          if (next.isEmpty()) byResource.remove(key);
          else byResource.put(key, new Versioned(version, Set.copyOf(next)));
          publish();
        }
      }
      notifyChange(key);
      return;
    }
  }

  private void notifyChange(Key key) throws Exception {
    boolean literal = key.pattern() == PatternType.LITERAL;
    String data = literal
        ? name(key.type()) + ":" + key.name()
        : Json.write(Map.of("version", 1L, "resourceType", name(key.type()), "name", key.name(), "patternType", "PREFIXED"));
    zk.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
        .forPath((literal ? LITERAL_CHANGES : PREFIXED_CHANGES) + "/acl_changes_", ZkData.bytes(data));
  }

  @Override
  public void onChange(Consumer<Collection<Acl>> listener) {
    synchronized (this) {
      this.listener = listener;
      listener.accept(all);
    }
  }

  @Override
  public void close() {
    // Nothing to do once the broker's ZooKeeper client is closed (it closes first): the watches went
    // with the session, and closing a cache through a closed client logs an ERROR.
    if (zk.getState() != org.apache.curator.framework.imps.CuratorFrameworkState.STARTED) return;
    for (CuratorCache c : caches) c.close();
  }

  static String path(Key key) {
    return (key.pattern() == PatternType.LITERAL ? LITERAL_ROOT : PREFIXED_ROOT) + "/" + name(key.type()) + "/" + key.name();
  }

  /** The key of an ACL znode's path, or null for the roots and type folders. */
  private static Key keyOf(String path) {
    PatternType pattern;
    String rest;
    if (path.startsWith(PREFIXED_ROOT + "/")) {
      pattern = PatternType.PREFIXED;
      rest = path.substring(PREFIXED_ROOT.length() + 1);
    } else if (path.startsWith(LITERAL_ROOT + "/")) {
      pattern = PatternType.LITERAL;
      rest = path.substring(LITERAL_ROOT.length() + 1);
    } else {
      return null;
    }
    int slash = rest.indexOf('/');
    if (slash < 0) return null;
    ResourceType type = typeNamed(rest.substring(0, slash));
    return type == null ? null : new Key(type, pattern, rest.substring(slash + 1));
  }

  static String json(Collection<Acl> acls) {
    List<Object> entries = new ArrayList<>();
    for (Acl a : acls) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("principal", a.principal());
      m.put("permissionType", camel(a.permission().name()));
      m.put("operation", camel(a.operation().name()));
      m.put("host", a.host());
      entries.add(m);
    }
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("version", 1L);
    root.put("acls", entries);
    return Json.write(root);
  }

  @SuppressWarnings("unchecked")
  private static Set<Acl> parse(Key key, byte[] data) {
    if (data == null || data.length == 0) return Set.of();
    Map<String, Object> root = Json.parseObject(ZkData.text(data));
    Set<Acl> out = new LinkedHashSet<>();
    for (Object o : (List<Object>) root.getOrDefault("acls", List.of())) {
      Map<String, Object> m = (Map<String, Object>) o;
      out.add(new Acl(key.type(), key.pattern(), key.name(), (String) m.get("principal"), (String) m.get("host"),
          fromCamel(Operation.values(), (String) m.get("operation")),
          fromCamel(Permission.values(), (String) m.get("permissionType"))));
    }
    return Set.copyOf(out);
  }

  /** Kafka's znode spelling of an enum constant: CLUSTER_ACTION is ClusterAction. */
  static String camel(String constant) {
    StringBuilder sb = new StringBuilder();
    for (String part : constant.split("_")) {
      sb.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
    }
    return sb.toString();
  }

  private static <E extends Enum<E>> E fromCamel(E[] values, String text) {
    for (E e : values) if (camel(e.name()).equalsIgnoreCase(text)) return e;
    throw new IllegalArgumentException("unknown ACL value " + text);
  }

  static String name(ResourceType type) {
    return camel(type.name());
  }

  private static ResourceType typeNamed(String text) {
    for (ResourceType t : ResourceType.values()) if (name(t).equals(text)) return t;
    return null;
  }
}
