package dev.brook.broker.cluster.zk;

import dev.brook.broker.quota.ClientQuotaConfigs;
import dev.brook.broker.quota.ClientQuotaStore;
import dev.brook.broker.quota.QuotaEntity;
import dev.brook.broker.quota.QuotaType;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's client quotas where Kafka keeps them: {@code /config/users/<user>},
 * {@code /config/users/<user>/clients/<client-id>} and {@code /config/clients/<client-id>}, each
 * {@code {"version":1,"config":{"producer_byte_rate":"1024",…}}} with names URL-encoded and
 * {@code <default>} for a default. Other keys of a user's config (its SCRAM credentials) are kept on
 * every write. Every broker watches {@code /config} and applies changes within moments.
 */
public final class ZkClientQuotaStore implements ClientQuotaStore {
  private static final Logger log = LoggerFactory.getLogger(ZkClientQuotaStore.class);
  static final String USERS = "/config/users";
  static final String CLIENTS = "/config/clients";

  private final CuratorFramework zk;
  private final CuratorCache cache;
  private final CopyOnWriteArrayList<Consumer<ClientQuotaConfigs>> listeners = new CopyOnWriteArrayList<>();

  public ZkClientQuotaStore(ZkCluster cluster) throws Exception {
    this.zk = cluster.zk();
    zk.createContainers(USERS);
    zk.createContainers(CLIENTS);
    this.cache = CuratorCache.build(zk, "/config");
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forAll((type, before, after) -> {
          String path = after != null ? after.getPath() : before != null ? before.getPath() : "";
          if (path.startsWith(USERS) || path.startsWith(CLIENTS)) changed();
        }).build());
    cache.start();
  }

  private void changed() {
    if (listeners.isEmpty()) return;
    try {
      ClientQuotaConfigs now = load();
      for (Consumer<ClientQuotaConfigs> l : listeners) l.accept(now);
    } catch (IOException e) {
      log.warn("Cannot read client quotas from ZooKeeper; keeping the previous ones", e);
    }
  }

  @Override
  public ClientQuotaConfigs load() throws IOException {
    Map<QuotaEntity, Map<QuotaType, Double>> out = new HashMap<>();
    try {
      for (String user : children(USERS)) {
        String u = decode(user);
        put(out, new QuotaEntity(u, null), USERS + "/" + user);
        for (String client : children(USERS + "/" + user + "/clients")) {
          put(out, new QuotaEntity(u, decode(client)), USERS + "/" + user + "/clients/" + client);
        }
      }
      for (String client : children(CLIENTS)) put(out, new QuotaEntity(null, decode(client)), CLIENTS + "/" + client);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot read client quotas from ZooKeeper", e);
    }
    return new ClientQuotaConfigs(out);
  }

  private List<String> children(String path) throws Exception {
    try {
      return zk.getChildren().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }

  private void put(Map<QuotaEntity, Map<QuotaType, Double>> out, QuotaEntity e, String path) throws Exception {
    byte[] data;
    try {
      data = zk.getData().forPath(path);
    } catch (KeeperException.NoNodeException gone) {
      return;
    }
    Map<QuotaType, Double> q = new HashMap<>();
    try {
      ZkData.topicConfig(data).forEach((k, v) -> QuotaType.forKey(k).ifPresent(t -> q.put(t, Double.parseDouble(v))));
    } catch (RuntimeException malformed) {
      log.warn("Ignoring malformed quota config at {}: {}", path, malformed.toString());
    }
    if (!q.isEmpty()) out.put(e, q);
  }

  @Override
  public void alter(Map<QuotaEntity, Map<QuotaType, OptionalDouble>> changes) throws IOException {
    try {
      for (var change : changes.entrySet()) write(path(change.getKey()), change.getValue());
    } catch (Exception e) {
      throw new IOException("cannot write client quotas to ZooKeeper", e);
    }
  }

  /** Read, change the quota keys, write back if nobody wrote in between (else again). */
  private void write(String path, Map<QuotaType, OptionalDouble> ops) throws Exception {
    for (int attempt = 0; attempt < 10; attempt++) {
      Stat stat = new Stat();
      Map<String, String> config;
      boolean exists = true;
      try {
        config = new HashMap<>(ZkData.topicConfig(zk.getData().storingStatIn(stat).forPath(path)));
      } catch (KeeperException.NoNodeException e) {
        config = new HashMap<>();
        exists = false;
      }
      for (var op : ops.entrySet()) {
        if (op.getValue().isPresent()) config.put(op.getKey().key(), number(op.getValue().getAsDouble()));
        else config.remove(op.getKey().key());
      }
      try {
        if (exists) zk.setData().withVersion(stat.getVersion()).forPath(path, ZkData.topicConfig(config));
        else zk.create().creatingParentContainersIfNeeded().forPath(path, ZkData.topicConfig(config));
        return;
      } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException raced) {
        // another writer in between: read again
      }
    }
    throw new IOException("gave up writing " + path + " after 10 concurrent changes");
  }

  private static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  static String path(QuotaEntity e) {
    if (e.user() != null && e.clientId() != null) return USERS + "/" + encode(e.user()) + "/clients/" + encode(e.clientId());
    if (e.user() != null) return USERS + "/" + encode(e.user());
    return CLIENTS + "/" + encode(e.clientId());
  }

  private static String encode(String name) {
    if (name.equals(QuotaEntity.DEFAULT)) return name;
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A");
  }

  private static String decode(String name) {
    return name.equals(QuotaEntity.DEFAULT) ? name : URLDecoder.decode(name, StandardCharsets.UTF_8);
  }

  @Override
  public void onChange(Consumer<ClientQuotaConfigs> listener) {
    listeners.add(listener);
  }

  @Override
  public void close() {
    // The broker closes the cluster's client first (to deregister before the partitions close); a
    // cache closed after that would try to remove its watches through the closed client and log an
    // ERROR. The closed session has dropped them already.
    if (zk.getState() == org.apache.curator.framework.imps.CuratorFrameworkState.STARTED) cache.close();
  }
}
