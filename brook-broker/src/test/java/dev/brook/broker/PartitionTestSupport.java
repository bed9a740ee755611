package dev.brook.broker;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.network.RawClient;
import dev.brook.broker.replica.Partition;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;

/** Starting brokers with partitions (before the topic admin exists) and raw produce/fetch calls. */
final class PartitionTestSupport {
  private PartitionTestSupport() {}

  static Broker start(Path dir, Map<String, String> extra) throws Exception {
    Map<String, String> settings = new HashMap<>();
    settings.put("listeners", "PLAINTEXT://127.0.0.1:0");
    settings.put("log.dirs", dir.toString());
    settings.putAll(extra);
    return Broker.start(BrokerConfig.of(settings));
  }

  static Partition createPartition(Broker broker, String topic, int partition, Uuid id) throws Exception {
    return createPartition(broker, topic, partition, id, Map.of());
  }

  static Partition createPartition(Broker broker, String topic, int partition, Uuid id, Map<String, String> overrides)
      throws Exception {
    TopicPartition tp = new TopicPartition(topic, partition);
    dev.brook.broker.replica.LocalReplicaManager replicas = (dev.brook.broker.replica.LocalReplicaManager) broker.replicaManager();
    Partition p = replicas.createPartition(tp, id, dev.brook.broker.config.TopicConfigs.toLogConfig(broker.config(), overrides), overrides);
    // A partition of no topic: led as the single node's controller starts a partition (epoch 0, ISR = this broker).
    List<Integer> self = List.of(broker.nodeId());
    replicas.onPartitionStates(List.of(new dev.brook.broker.cluster.PartitionState(tp, id, self, broker.nodeId(), 0, self, 1, 0)));
    return p;
  }

  static MemoryRecords records(CompressionType c, long pid, short epoch, int seq, String... values) {
    MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(1024 + values.length * 1100), RecordBatch.CURRENT_MAGIC_VALUE,
        Compression.of(c).build(), TimestampType.CREATE_TIME, 0L, System.currentTimeMillis(), pid, epoch, seq, false,
        RecordBatch.NO_PARTITION_LEADER_EPOCH);
    for (String v : values) b.append(new SimpleRecord(System.currentTimeMillis(), ("k-" + v).getBytes(), v.getBytes()));
    return b.build();
  }

  static MemoryRecords records(String... values) {
    return records(CompressionType.NONE, -1, (short) -1, -1, values);
  }

  static ProduceResponseData.PartitionProduceResponse produce(RawClient c, String topic, int partition, MemoryRecords records)
      throws Exception {
    return produce(c, topic, partition, records, (short) -1, ProduceRequestData.HIGHEST_SUPPORTED_VERSION - 1);
  }

  static ProduceResponseData.PartitionProduceResponse produce(
      RawClient c, String topic, int partition, MemoryRecords records, short acks, int version) throws Exception {
    ProduceRequestData data = produceData(topic, null, partition, records, acks);
    ProduceResponse r = c.call(new ProduceRequest.Builder((short) version, (short) version, data).build((short) version), ProduceResponse.class);
    return r.data().responses().iterator().next().partitionResponses().get(0);
  }

  static ProduceRequestData produceData(String topic, Uuid id, int partition, MemoryRecords records, short acks) {
    ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
    ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData();
    if (topic != null) t.setName(topic);
    if (id != null) t.setTopicId(id);
    t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(records));
    topics.add(t);
    return new ProduceRequestData().setAcks(acks).setTimeoutMs(5000).setTopicData(topics);
  }

  static FetchRequestData fetchData(String topic, int partition, long offset, int maxWaitMs, int minBytes) {
    FetchRequestData d = new FetchRequestData().setMaxWaitMs(maxWaitMs).setMinBytes(minBytes).setMaxBytes(50 * 1024 * 1024)
        .setSessionId(0).setSessionEpoch(-1).setReplicaId(-1);
    d.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(new ArrayList<>(List.of(
        new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(offset).setPartitionMaxBytes(1024 * 1024)))));
    return d;
  }

  static FetchResponseData fetch(RawClient c, FetchRequestData data, int version) throws Exception {
    return c.call(new FetchRequest(data, (short) version), FetchResponse.class).data();
  }

  static FetchResponseData.PartitionData onlyPartition(FetchResponseData r) {
    return r.responses().get(0).partitions().get(0);
  }

  static List<String> values(FetchResponseData.PartitionData p) {
    List<String> out = new ArrayList<>();
    for (RecordBatch b : ((MemoryRecords) p.records()).batches()) {
      b.ensureValid();
      for (Record r : b) {
        byte[] v = new byte[r.valueSize()];
        r.value().get(v);
        out.add(new String(v));
      }
    }
    return out;
  }

  static List<Long> offsets(FetchResponseData.PartitionData p) {
    List<Long> out = new ArrayList<>();
    for (RecordBatch b : ((MemoryRecords) p.records()).batches()) {
      for (Record r : b) out.add(r.offset());
    }
    return out;
  }
}
