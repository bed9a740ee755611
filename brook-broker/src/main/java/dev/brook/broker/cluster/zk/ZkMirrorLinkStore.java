package dev.brook.broker.cluster.zk;

import dev.brook.broker.config.ConfigException;
import dev.brook.broker.mirror.LinkSecrets;
import dev.brook.broker.mirror.MirrorLink;
import dev.brook.broker.mirror.MirrorLinkStore;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's links in ZooKeeper, one znode per link: {@code /brook/mirror_links/<name>} holds
 * {@code {"version":1,"config":{"bootstrap.servers":"…","sasl.jaas.config":"encrypted:v1:…",…}}}
 * (secrets encrypted with {@code password.encoder.secret}, {@link LinkSecrets}). Any broker writes a
 * link (the one that took the admin request); every broker reads them all through a watch-fed cache
 * of that subtree, so {@link #links} never blocks and each broker's mirror fetchers follow a change
 * within ZooKeeper's notification delay. A change returns once this broker's cache shows it.
 *
 * <p>A link whose secret this broker cannot decrypt (another {@code password.encoder.secret}) is
 * left out of {@link #links} with an error logged (at start: the start fails naming the key).
 */
public final class ZkMirrorLinkStore implements MirrorLinkStore, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ZkMirrorLinkStore.class);
  static final String LINKS = "/brook/mirror_links";

  private final CuratorFramework zk;
  private final LinkSecrets secrets;
  private final CuratorCache cache;
  private final Object changed = new Object();
  private volatile Map<String, MirrorLink> links = Map.of();

  /** Reads every link (bounded by the ZooKeeper connection timeout) and keeps following them. */
  public ZkMirrorLinkStore(ZkCluster cluster, LinkSecrets secrets) throws Exception {
    this.zk = cluster.zk();
    this.secrets = secrets;
    try {
      zk.create().creatingParentsIfNeeded().forPath(LINKS);
    } catch (KeeperException.NodeExistsException there) {
      // created by another broker
    }
    this.cache = CuratorCache.build(zk, LINKS);
    CompletableFuture<Void> initialized = new CompletableFuture<>();
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forAll((type, before, after) -> {
          if (initialized.isDone()) rebuild(false);
        })
        .forInitialized(() -> initialized.complete(null))
        .build());
    cache.start();
    try {
      initialized.get(cluster.settings().connectionTimeoutMs(), TimeUnit.MILLISECONDS);
      rebuild(true);
    } catch (Exception | Error e) {
      cache.close();
      throw e;
    }
  }

  /** Re-reads the cached znodes; {@code strict} (at start) throws on a link that cannot be decrypted. */
  private void rebuild(boolean strict) {
    Map<String, MirrorLink> next = new TreeMap<>();
    cache.stream().forEach(d -> {
      String name = nameOf(d);
      if (name == null || d.getData() == null) return;
      try {
        next.put(name, secrets.open(name, configOf(d)));
      } catch (ConfigException e) {
        if (strict) throw e;
        log.error("cluster link {} is left out: {}", name, e.getMessage());
      } catch (RuntimeException e) {
        if (strict) throw e;
        log.error("cluster link {} is left out: cannot read {}", name, d.getPath(), e);
      }
    });
    links = Map.copyOf(next);
    synchronized (changed) {
      changed.notifyAll();
    }
  }

  private static String nameOf(ChildData d) {
    String p = d.getPath();
    if (!p.startsWith(LINKS + "/")) return null;
    String name = p.substring(LINKS.length() + 1);
    return name.isEmpty() || name.contains("/") ? null : name;
  }

  private static Map<String, String> configOf(ChildData d) {
    Object config = Json.parseObject(ZkData.text(d.getData())).get("config");
    Map<String, String> out = new TreeMap<>();
    if (config instanceof Map<?, ?> m) m.forEach((k, v) -> out.put(k.toString(), v == null ? null : v.toString()));
    return out;
  }

  @Override
  public Map<String, MirrorLink> links() {
    return links;
  }

  @Override
  public void checkStorable(MirrorLink link) {
    secrets.checkStorable(link);
  }

  @Override
  public synchronized void put(MirrorLink link) throws IOException {
    secrets.checkStorable(link);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("version", 1);
    doc.put("config", new TreeMap<>(secrets.seal(link)));
    byte[] data = ZkData.bytes(Json.write(doc));
    String path = LINKS + "/" + link.name();
    try {
      try {
        zk.create().creatingParentsIfNeeded().forPath(path, data);
      } catch (KeeperException.NodeExistsException e) {
        zk.setData().forPath(path, data);
      }
    } catch (Exception e) {
      throw new IOException("cannot write " + path, e);
    }
    awaitCache(l -> link.equals(l.get(link.name())), "link " + link.name());
  }

  @Override
  public synchronized boolean delete(String name) throws IOException {
    String path = LINKS + "/" + name;
    try {
      zk.delete().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return false;
    } catch (Exception e) {
      throw new IOException("cannot delete " + path, e);
    }
    awaitCache(l -> !l.containsKey(name), "deletion of link " + name);
    return true;
  }

  private void awaitCache(Predicate<Map<String, MirrorLink>> done, String what) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    synchronized (changed) {
      while (!done.test(links)) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) throw new IOException("ZooKeeper did not show the " + what + " within 10 s");
        try {
          changed.wait(Math.min(left, 100));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted waiting for the " + what, e);
        }
      }
    }
  }

  /** Stops following the links; nothing to do once the broker's ZooKeeper client is closed (its watches went with it). */
  @Override
  public void close() {
    if (zk.getState() == org.apache.curator.framework.imps.CuratorFrameworkState.STARTED) cache.close();
  }
}
