package dev.brook.broker.cluster.zk;

import dev.brook.broker.security.ScramCredential;
import dev.brook.broker.security.ScramCredentialStore;
import dev.brook.broker.security.ScramMechanism;
import java.io.IOException;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.common.utils.Sanitizer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * SCRAM credentials in ZooKeeper as Kafka keeps them: {@code /config/users/<sanitized user>} holds
 * {@code {"version":1,"config":{"SCRAM-SHA-256":"salt=…,stored_key=…,server_key=…,iterations=…"}}}
 * (other keys of the user's config, such as quotas, are kept as they are), and each change is
 * announced under {@code /config/changes/config_change_} as Kafka's brokers expect. Reads go to
 * ZooKeeper each time (authentication is rare next to requests, and every broker sees a change at
 * once); they block, so callers are off the event loops. Writes are compare-and-set on the znode's
 * version, retried on a concurrent change.
 */
public final class ZkScramCredentialStore implements ScramCredentialStore {
  static final String USERS = "/config/users";
  static final String CHANGES = "/config/changes/config_change_";

  private final CuratorFramework zk;

  public ZkScramCredentialStore(ZkCluster cluster) {
    this.zk = cluster.zk();
  }

  @Override
  public Optional<ScramCredential> credential(String user, ScramMechanism mechanism) throws IOException {
    Map<String, Object> config = config(path(user), null);
    Object text = config.get(mechanism.mechanismName());
    return text == null ? Optional.empty() : Optional.of(ScramCredential.fromText(text.toString()));
  }

  @Override
  public Map<String, Map<ScramMechanism, ScramCredential>> all() throws IOException {
    Map<String, Map<ScramMechanism, ScramCredential>> out = new TreeMap<>();
    try {
      if (zk.checkExists().forPath(USERS) == null) return out;
      for (String child : zk.getChildren().forPath(USERS)) {
        Map<String, Object> config = config(USERS + "/" + child, null);
        Map<ScramMechanism, ScramCredential> mine = new EnumMap<>(ScramMechanism.class);
        for (ScramMechanism m : ScramMechanism.values()) {
          Object text = config.get(m.mechanismName());
          if (text != null) mine.put(m, ScramCredential.fromText(text.toString()));
        }
        if (!mine.isEmpty()) out.put(Sanitizer.desanitize(child), mine);
      }
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot list " + USERS, e);
    }
    return out;
  }

  @Override
  public void alter(String user, ScramMechanism mechanism, ScramCredential credential) throws IOException {
    String path = path(user);
    for (int attempt = 0; attempt < 10; attempt++) {
      Stat stat = new Stat();
      Map<String, Object> config = new LinkedHashMap<>(config(path, stat));
      boolean exists = stat.getMzxid() != 0;
      if (credential == null) config.remove(mechanism.mechanismName());
      else config.put(mechanism.mechanismName(), credential.toText());
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("version", 1);
      doc.put("config", config);
      byte[] data = ZkData.bytes(Json.write(doc));
      byte[] change = ZkData.bytes(Json.write(Map.of("version", 2, "entity_path", "users/" + Sanitizer.sanitize(user))));
      try {
        if (exists) {
          zk.transaction().forOperations(
              zk.transactionOp().setData().withVersion(stat.getVersion()).forPath(path, data),
              zk.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(CHANGES, change));
        } else {
          zk.create().creatingParentsIfNeeded().forPath(path, data);
          zk.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(CHANGES, change);
        }
        return;
      } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
        // changed concurrently: read again
      } catch (Exception e) {
        throw new IOException("cannot write " + path, e);
      }
    }
    throw new IOException("cannot write " + path + ": changed concurrently 10 times");
  }

  private static String path(String user) {
    return USERS + "/" + Sanitizer.sanitize(user);
  }

  /** The "config" object of a user znode (empty when absent); fills {@code stat} when given. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> config(String path, Stat stat) throws IOException {
    try {
      byte[] data = stat == null ? zk.getData().forPath(path) : zk.getData().storingStatIn(stat).forPath(path);
      Object config = Json.parseObject(ZkData.text(data)).get("config");
      return config instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    } catch (KeeperException.NoNodeException e) {
      return Map.of();
    } catch (Exception e) {
      throw new IOException("cannot read " + path, e);
    }
  }
}
