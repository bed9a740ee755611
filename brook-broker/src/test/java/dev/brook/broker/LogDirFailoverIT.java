package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.storage.StorageFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader's log directory fails in a 3-broker ZooKeeper cluster (an injected I/O error at its next
 * segment roll, through the {@link StorageFiles} seam): the broker reports the replicas it lost, the
 * controller moves their leadership to another in-sync replica and drops the broker from their ISR,
 * the broker stops following them and keeps serving its other directory, acks=all producers carry on
 * against the new leader, and every acknowledged record is there.
 */
class LogDirFailoverIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final TopicPartition TP = new TopicPartition("failover", 0);

  @TempDir Path dir;
  private InProcessCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  @Test
  void aFailedLeaderDirectoryMovesLeadershipAndLosesNoAcknowledgedRecord() throws Exception {
    // Small segments: a few records roll a segment, and a roll in the failed directory opens a file.
    cluster = new InProcessCluster(dir, Map.of("log.segment.bytes", "16384", "offsets.topic.replication.factor", "3",
        "replica.fetch.wait.max.ms", "100"));
    for (int id = 1; id <= 3; id++) {
      cluster.start(id, Map.of("log.dirs", dir.resolve("b" + id + "-a") + "," + dir.resolve("b" + id + "-b")));
    }
    await().atMost(WAIT).until(() -> cluster.brokers().stream().allMatch(b -> b.cluster().liveBrokers().size() == 3));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrap()))) {
      admin.createTopics(List.of(new NewTopic("failover", 1, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
          .all().get(30, TimeUnit.SECONDS);
    }
    await().atMost(WAIT).until(() -> cluster.broker(1).cluster().partitionState(TP)
        .map(s -> s.leader() >= 0 && s.isr().size() == 3).orElse(false));
    int leader = cluster.broker(1).cluster().partitionState(TP).orElseThrow().leader();
    LocalReplicaManager leaderReplicas = (LocalReplicaManager) cluster.broker(leader).replicaManager();
    Partition onLeader = leaderReplicas.partition(TP).orElseThrow();
    Path failing = onLeader.log().dir().toAbsolutePath().getParent();

    Properties p = new Properties();
    p.put("bootstrap.servers", cluster.bootstrap());
    p.put("acks", "all");
    p.put("linger.ms", "0");
    p.put("delivery.timeout.ms", "60000");
    p.put("request.timeout.ms", "10000");
    Map<Long, String> acked = new ConcurrentSkipListMap<>();
    String pad = "x".repeat(900);
    int failedSends = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      failedSends += send(producer, 0, 40, pad, acked);
      assertThat(acked).hasSize(40);
      // From now on, a new segment file in the leader's directory cannot be created (at a roll, or ahead of it).
      try (AutoCloseable fault = StorageFiles.install((file, options) -> {
        if (file.toAbsolutePath().startsWith(failing) && isSegmentLog(file)) {
          throw new IOException("Input/output error (injected)");
        }
        return FileChannel.open(file, options);
      })) {
        failedSends += send(producer, 40, 120, pad, acked);
        await().atMost(WAIT).untilAsserted(() -> {
          PartitionState s = cluster.broker(leader).cluster().partitionState(TP).orElseThrow();
          assertThat(s.leader()).isNotIn(leader, -1);
          assertThat(s.isr()).doesNotContain(leader).hasSize(2);
        });
      }
      // The producer keeps going against the new leader (the old one's directory stays offline).
      failedSends += send(producer, 120, 200, pad, acked);
    }
    assertThat(failedSends).as("acks=all sends that failed for good").isZero();
    assertThat(acked).hasSize(200);
    assertThat(onLeader.isOffline()).isTrue();
    assertThat(leaderReplicas.fetchersFrom(cluster.broker(1).cluster().partitionState(TP).orElseThrow().leader()))
        .as("the broker does not follow the partition it lost").allSatisfy((id, tps) -> assertThat(tps).doesNotContain(TP));

    // Every acknowledged record is at its offset on the new leader.
    Properties c = new Properties();
    c.put("bootstrap.servers", cluster.bootstrap());
    c.put("enable.auto.commit", "false");
    Map<Long, String> read = new ConcurrentSkipListMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(TP));
      consumer.seekToBeginning(List.of(TP));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!read.keySet().containsAll(acked.keySet()) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) read.put(r.offset(), r.value());
      }
    }
    assertThat(read).containsAllEntriesOf(acked);

    // The broker with the failed directory still serves partitions on its other one.
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrap()))) {
      var dirs = admin.describeLogDirs(List.of(leader)).allDescriptions().get(30, TimeUnit.SECONDS).get(leader);
      assertThat(dirs.get(failing.toString()).error()).isNotNull();
      assertThat(dirs.values().stream().filter(d -> d.error() == null)).hasSize(1);
    }
  }

  /** Sends values {@code from..to-1} to {@link #TP}, each waited for; returns how many failed. */
  private static int send(KafkaProducer<String, String> producer, int from, int to, String pad, Map<Long, String> acked)
      throws Exception {
    int failed = 0;
    for (int i = from; i < to; i++) {
      String value = i + "-" + pad;
      try {
        RecordMetadata m = producer.send(new ProducerRecord<>(TP.topic(), TP.partition(), null, value)).get(90, TimeUnit.SECONDS);
        acked.put(m.offset(), value);
      } catch (ExecutionException e) {
        failed++;
      }
    }
    return failed;
  }

  /** A segment's log file, at a roll or made ahead of one by the flusher ({@code next.log.prepared}). */
  private static boolean isSegmentLog(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".log") || name.endsWith(".log" + dev.brook.storage.LogSegment.PREPARED_SUFFIX);
  }
}
