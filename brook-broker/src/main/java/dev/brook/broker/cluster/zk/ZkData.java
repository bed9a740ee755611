package dev.brook.broker.cluster.zk;

import dev.brook.broker.cluster.Reassignment;
import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.config.Listener;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * The ZooKeeper layout and the JSON of each znode (Kafka's ZooKeeper-era formats):
 *
 * <pre>
 * /cluster/id                                   {"version":"1","id":"&lt;cluster id&gt;"}
 * /brokers/ids/&lt;id&gt;          (ephemeral)        {"version":5,"host":h,"port":p,"endpoints":["PLAINTEXT://h:p"],"rack":r}
 * /controller                (ephemeral)        {"version":2,"brokerid":id,"timestamp":"ms"}
 * /controller_epoch                             "&lt;epoch&gt;" (its znode version fences a stale controller)
 * /brokers/topics/&lt;t&gt;                           {"version":3,"topic_id":id,"partitions":{"0":[1,2],...}}
 * /brokers/topics/&lt;t&gt;/partitions/&lt;p&gt;/state     {"version":1,"leader":l,"leader_epoch":e,"isr":[..],"controller_epoch":c}
 * /config/topics/&lt;t&gt;                            {"version":1,"config":{k:v}}
 * /admin/controlled_shutdown/&lt;id&gt; (ephemeral)  a broker asking the controller to move leadership away
 * /admin/preferred_replica_election             {"version":1,"partitions":[{"topic":t,"partition":p}]}
 * /admin/reassign_partitions                    {"version":1,"partitions":[{"topic":t,"partition":p,"replicas":[..]}]}
 * /brook/offline_replicas/&lt;id&gt; (ephemeral)     {"version":1,"partitions":[{"topic":t,"partition":p}]}
 * </pre>
 *
 * The last is Brook's own (Kafka's ZooKeeper brokers write a {@code log_dir_event_notification} and let
 * the controller ask each broker which replicas are offline): a broker whose log directory failed lists
 * the replicas it lost there, for as long as its session lives (a restart with the disk repaired
 * clears it), and the controller treats each listed replica as dead for its partition.
 *
 * Stateless; any thread.
 */
public final class ZkData {
  private ZkData() {}

  public static final String CLUSTER_ID = "/cluster/id";
  public static final String BROKER_IDS = "/brokers/ids";
  public static final String TOPICS = "/brokers/topics";
  public static final String CONTROLLER = "/controller";
  public static final String CONTROLLER_EPOCH = "/controller_epoch";
  public static final String TOPIC_CONFIGS = "/config/topics";
  public static final String CONTROLLED_SHUTDOWN = "/admin/controlled_shutdown";
  public static final String PREFERRED_ELECTION = "/admin/preferred_replica_election";
  public static final String REASSIGN = "/admin/reassign_partitions";
  public static final String OFFLINE_REPLICAS = "/brook/offline_replicas";

  public static String offlineReplicasPath(int brokerId) {
    return OFFLINE_REPLICAS + "/" + brokerId;
  }

  public static String brokerPath(int id) {
    return BROKER_IDS + "/" + id;
  }

  public static String topicPath(String topic) {
    return TOPICS + "/" + topic;
  }

  public static String partitionsPath(String topic) {
    return topicPath(topic) + "/partitions";
  }

  public static String partitionPath(TopicPartition tp) {
    return partitionsPath(tp.topic()) + "/" + tp.partition();
  }

  public static String statePath(TopicPartition tp) {
    return partitionPath(tp) + "/state";
  }

  public static String configPath(String topic) {
    return TOPIC_CONFIGS + "/" + topic;
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] b) {
    return b == null ? "" : new String(b, StandardCharsets.UTF_8);
  }

  // ---- brokers

  static byte[] broker(BrokerEndpoint b, long timestampMs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", 5);
    m.put("host", b.host());
    m.put("port", b.port());
    // Every advertised listener, as Kafka lists them; host and port are the inter-broker listener's.
    m.put("endpoints", b.listeners().isEmpty()
        ? List.of("PLAINTEXT://" + b.host() + ":" + b.port())
        : b.listeners().values().stream().map(Listener::toString).sorted().toList());
    m.put("rack", b.rack());
    m.put("jmx_port", -1);
    m.put("timestamp", Long.toString(timestampMs));
    return bytes(Json.write(m));
  }

  static BrokerEndpoint broker(int id, byte[] data) {
    Map<String, Object> m = Json.parseObject(text(data));
    Map<String, Listener> listeners = new LinkedHashMap<>();
    if (m.get("endpoints") instanceof List<?> endpoints) {
      for (Object e : endpoints) {
        Listener l = Listener.parse("endpoints", String.valueOf(e));
        listeners.put(l.name(), l);
      }
    }
    return new BrokerEndpoint(id, (String) m.get("host"), ((Long) m.get("port")).intValue(), (String) m.get("rack"),
        listeners);
  }

  // ---- controller

  static byte[] controller(int brokerId, long timestampMs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", 2);
    m.put("brokerid", brokerId);
    m.put("timestamp", Long.toString(timestampMs));
    return bytes(Json.write(m));
  }

  static int controllerId(byte[] data) {
    return ((Long) Json.parseObject(text(data)).get("brokerid")).intValue();
  }

  static byte[] epoch(int epoch) {
    return bytes(Integer.toString(epoch));
  }

  static int epoch(byte[] data) {
    return Integer.parseInt(text(data).trim());
  }

  // ---- topics

  /** A topic's assignment znode: its id and each partition's replicas (preferred leader first). */
  public record Assignment(Uuid topicId, Map<Integer, List<Integer>> replicas) {
    public Assignment {
      replicas = Map.copyOf(new TreeMap<>(replicas));
    }
  }

  static byte[] assignment(Assignment a) {
    Map<String, Object> parts = new LinkedHashMap<>();
    new TreeMap<>(a.replicas()).forEach((p, r) -> parts.put(Integer.toString(p), r));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", 3);
    m.put("topic_id", a.topicId().toString());
    m.put("partitions", parts);
    m.put("adding_replicas", Map.of());
    m.put("removing_replicas", Map.of());
    return bytes(Json.write(m));
  }

  static Assignment assignment(byte[] data) {
    Map<String, Object> m = Json.parseObject(text(data));
    @SuppressWarnings("unchecked")
    Map<String, Object> parts = (Map<String, Object>) m.get("partitions");
    Map<Integer, List<Integer>> replicas = new TreeMap<>();
    parts.forEach((p, r) -> replicas.put(Integer.parseInt(p), ints(r)));
    return new Assignment(Uuid.fromString((String) m.get("topic_id")), replicas);
  }

  static byte[] topicConfig(Map<String, String> configs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", 1);
    m.put("config", new TreeMap<>(configs));
    return bytes(Json.write(m));
  }

  static Map<String, String> topicConfig(byte[] data) {
    if (data == null || data.length == 0) return Map.of();
    Map<String, Object> m = Json.parseObject(text(data));
    Map<String, String> out = new TreeMap<>();
    @SuppressWarnings("unchecked")
    Map<String, Object> c = (Map<String, Object>) m.getOrDefault("config", Map.of());
    c.forEach((k, v) -> out.put(k, String.valueOf(v)));
    return out;
  }

  // ---- partition state

  static byte[] state(int leader, int leaderEpoch, List<Integer> isr, int controllerEpoch) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("controller_epoch", controllerEpoch);
    m.put("leader", leader);
    m.put("version", 1);
    m.put("leader_epoch", leaderEpoch);
    m.put("isr", isr);
    return bytes(Json.write(m));
  }

  static byte[] state(PartitionState s) {
    return state(s.leader(), s.leaderEpoch(), s.isr(), s.controllerEpoch());
  }

  static PartitionState state(TopicPartition tp, Uuid topicId, List<Integer> replicas, byte[] data, int zkVersion) {
    Map<String, Object> m = Json.parseObject(text(data));
    return new PartitionState(tp, topicId, replicas, ((Long) m.get("leader")).intValue(),
        ((Long) m.get("leader_epoch")).intValue(), ints(m.get("isr")), ((Long) m.get("controller_epoch")).intValue(),
        zkVersion);
  }

  static List<Integer> ints(Object list) {
    List<Integer> out = new ArrayList<>();
    for (Object o : (List<?>) list) out.add(((Long) o).intValue());
    return out;
  }

  static byte[] reassignments(Map<TopicPartition, Reassignment> pending) {
    List<Object> parts = new ArrayList<>();
    pending.forEach((tp, r) -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("topic", tp.topic());
      m.put("partition", tp.partition());
      m.put("replicas", r.target());
      m.put("original_replicas", r.original());
      parts.add(m);
    });
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", 1);
    m.put("partitions", parts);
    return bytes(Json.write(m));
  }

  static Map<TopicPartition, Reassignment> reassignments(byte[] data) {
    Map<TopicPartition, Reassignment> out = new java.util.LinkedHashMap<>();
    if (data == null || data.length == 0) return out;
    for (Object o : (List<?>) Json.parseObject(text(data)).get("partitions")) {
      Map<?, ?> m = (Map<?, ?>) o;
      out.put(new TopicPartition((String) m.get("topic"), ((Long) m.get("partition")).intValue()),
          new Reassignment(ints(m.get("replicas")), ints(m.get("original_replicas"))));
    }
    return out;
  }

  static byte[] partitions(java.util.Collection<TopicPartition> tps) {
    List<Object> parts = new ArrayList<>();
    for (TopicPartition tp : tps) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("topic", tp.topic());
      m.put("partition", tp.partition());
      parts.add(m);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", 1);
    m.put("partitions", parts);
    return bytes(Json.write(m));
  }

  static java.util.Set<TopicPartition> partitions(byte[] data) {
    java.util.Set<TopicPartition> out = new java.util.HashSet<>();
    if (data == null || data.length == 0) return out;
    for (Object o : (List<?>) Json.parseObject(text(data)).get("partitions")) {
      Map<?, ?> m = (Map<?, ?>) o;
      out.add(new TopicPartition((String) m.get("topic"), ((Long) m.get("partition")).intValue()));
    }
    return out;
  }

  static byte[] clusterId(String id) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", "1");
    m.put("id", id);
    return bytes(Json.write(m));
  }

  static String clusterId(byte[] data) {
    return (String) Json.parseObject(text(data)).get("id");
  }
}
