package dev.brook.broker.cluster.zk;

import dev.brook.broker.config.DynamicBrokerConfigStore;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * A broker's dynamic configs in ZooKeeper as Kafka keeps them: {@code /config/brokers/<id>} holds
 * {@code {"version":1,"config":{"listener.name.ssl.ssl.keystore.location":"…",…}}}, and each change is
 * announced under {@code /config/changes/config_change_} ({@code "entity_path":"brokers/<id>"}). Only
 * this broker writes its own node (Kafka's admin client sends a broker's configs to that broker).
 */
public final class ZkDynamicBrokerConfigStore implements DynamicBrokerConfigStore {
  static final String BROKERS = "/config/brokers";

  private final CuratorFramework zk;
  private final String path;
  private final int brokerId;

  public ZkDynamicBrokerConfigStore(ZkCluster cluster, int brokerId) {
    this.zk = cluster.zk();
    this.brokerId = brokerId;
    this.path = BROKERS + "/" + brokerId;
  }

  @Override
  public Map<String, String> load() throws IOException {
    Map<String, String> out = new TreeMap<>();
    try {
      Object config = Json.parseObject(ZkData.text(zk.getData().forPath(path))).get("config");
      if (config instanceof Map<?, ?> m) m.forEach((k, v) -> out.put(k.toString(), v == null ? null : v.toString()));
    } catch (KeeperException.NoNodeException e) {
      // no dynamic config yet
    } catch (Exception e) {
      throw new IOException("cannot read " + path, e);
    }
    return out;
  }

  @Override
  public synchronized void store(Map<String, String> configs) throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("version", 1);
    doc.put("config", new TreeMap<>(configs));
    byte[] data = ZkData.bytes(Json.write(doc));
    byte[] change = ZkData.bytes(Json.write(Map.of("version", 2, "entity_path", "brokers/" + brokerId)));
    try {
      if (zk.checkExists().forPath(path) == null) {
        zk.create().creatingParentsIfNeeded().forPath(path, data);
      } else {
        zk.setData().forPath(path, data);
      }
      zk.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(ZkScramCredentialStore.CHANGES, change);
    } catch (Exception e) {
      throw new IOException("cannot write " + path, e);
    }
  }
}
