package dev.brook.mirror;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record-by-record {@link MirrorPath}: a read_committed KafkaConsumer on the source feeding a
 * transactional KafkaProducer on the target, so every client setting (security, SASL, TLS,
 * compression) is kafka-clients' own. Each record is decoded and encoded again; {@link BatchPath}
 * avoids that where it can.
 */
final class ClientPath implements MirrorPath {
  private static final Logger log = LoggerFactory.getLogger(ClientPath.class);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaProducer<byte[], byte[]> producer;
  private Map<TopicPartition, TopicPartition> mirrored = Map.of();
  private boolean inTransaction;
  /** The records of the open transaction, per source partition, with their target offsets once sent. */
  private final Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = new HashMap<>();
  private final Map<TopicPartition, List<Future<RecordMetadata>>> sent = new HashMap<>();

  /** Creates the clients (no network yet); throws Kafka's ConfigException for a bad client setting. */
  ClientPath(MirrorConfig.Flow flow) {
    Map<String, Object> c = flow.source().consumerProps();
    c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "brook-mirror." + flow.name() + ".source");
    c.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    c.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
    c.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Map<String, Object> p = flow.target().producerProps();
    p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "brook-mirror." + flow.name() + ".target");
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, flow.transactionalId());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    try {
      producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    } catch (RuntimeException e) {
      consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ZERO));
      throw e;
    }
  }

  @Override
  public void initTransactions() {
    producer.initTransactions();
  }

  @Override
  public void assign(Map<TopicPartition, TopicPartition> mirrored, Set<TopicPartition> added, Map<TopicPartition, Long> start) {
    this.mirrored = Map.copyOf(mirrored);
    consumer.assign(mirrored.keySet());
    List<TopicPartition> fromStart = new ArrayList<>();
    for (TopicPartition tp : added) {
      Long pos = start.get(tp);
      if (pos != null) consumer.seek(tp, pos);
      else fromStart.add(tp);
    }
    // Never with an empty list: that means every assigned partition.
    if (!fromStart.isEmpty()) consumer.seekToBeginning(fromStart);
  }

  @Override
  public int poll(Duration wait) {
    ConsumerRecords<byte[], byte[]> polled = consumer.poll(wait);
    if (polled.isEmpty()) return 0;
    beginTransaction();
    int count = 0;
    for (TopicPartition tp : polled.partitions()) {
      TopicPartition target = mirrored.get(tp);
      if (target == null) throw new KafkaException("polled unassigned partition " + tp);
      List<ConsumerRecord<byte[], byte[]>> rs = polled.records(tp);
      List<Future<RecordMetadata>> fs = sent.computeIfAbsent(tp, t -> new ArrayList<>());
      records.computeIfAbsent(tp, t -> new ArrayList<>()).addAll(rs);
      for (ConsumerRecord<byte[], byte[]> r : rs) {
        Long ts = r.timestamp() >= 0 ? r.timestamp() : null;
        fs.add(producer.send(new ProducerRecord<>(target.topic(), target.partition(), ts, r.key(), r.value(), r.headers())));
      }
      count += rs.size();
    }
    return count;
  }

  @Override
  public long position(TopicPartition source) {
    return consumer.position(source, Duration.ofSeconds(30));
  }

  @Override
  public void beginTransaction() {
    if (inTransaction) return;
    producer.beginTransaction();
    inTransaction = true;
  }

  @Override
  public List<Mm2Formats.OffsetSync> syncs() throws ExecutionException, InterruptedException {
    if (records.isEmpty()) return List.of();
    producer.flush();
    OffsetRuns runs = new OffsetRuns();
    for (Map.Entry<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> e : records.entrySet()) {
      TopicPartition tp = e.getKey();
      List<ConsumerRecord<byte[], byte[]>> rs = e.getValue();
      List<Future<RecordMetadata>> fs = sent.get(tp);
      for (int i = 0; i < rs.size(); i++) runs.add(tp, rs.get(i).offset(), fs.get(i).get().offset(), 1);
    }
    records.clear();
    sent.clear();
    return runs.syncs();
  }

  @Override
  public Future<RecordMetadata> send(String topic, byte[] key, byte[] value) {
    return producer.send(new ProducerRecord<>(topic, 0, key, value));
  }

  @Override
  public void sendPositions(Map<TopicPartition, Long> byTarget, String group) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    byTarget.forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o)));
    producer.sendOffsetsToTransaction(offsets, new ConsumerGroupMetadata(group));
  }

  @Override
  public void commit() {
    producer.commitTransaction();
    inTransaction = false;
  }

  @Override
  public void wakeup() {
    consumer.wakeup();
  }

  @Override
  public void close() {
    try {
      consumer.close();
    } catch (Exception e) {
      log.warn("closing the consumer: {}", e.toString());
    }
    try {
      producer.close(Duration.ofSeconds(5));
    } catch (Exception e) {
      log.warn("closing the producer: {}", e.toString());
    }
  }
}
