package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.replica.LocalReplicaManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code num.replica.fetchers}: a follower runs that many fetchers (threads, each with its own
 * connection) per leader broker and spreads the partitions it follows over them by hash; every
 * fetcher replicates its share (acks=all with min.insync.replicas=3 completes only once both
 * followers have each record).
 */
class ReplicaFetchersIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int PARTITIONS = 8;

  @TempDir Path dir;
  private InProcessCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  @Test
  void aFollowerWithTwoFetchersReplicatesThroughBoth() throws Exception {
    cluster = new InProcessCluster(dir, Map.of("offsets.topic.replication.factor", "1",
        "transaction.state.log.replication.factor", "1", "transaction.state.log.min.isr", "1"));
    cluster.start(1);
    cluster.start(2, Map.of("num.replica.fetchers", "2"));
    cluster.start(3); // the default: one fetcher per leader
    await().atMost(WAIT).until(() -> cluster.brokers().stream().allMatch(b -> b.cluster().liveBrokers().size() == 3));
    Map<Integer, List<Integer>> assignment = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) assignment.put(p, List.of(1, 2, 3)); // broker 1 leads every partition
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrap()))) {
      admin.createTopics(List.of(new NewTopic("spread", assignment).configs(Map.of("min.insync.replicas", "3"))))
          .all().get(30, TimeUnit.SECONDS);
    }
    LocalReplicaManager two = (LocalReplicaManager) cluster.broker(2).replicaManager();
    LocalReplicaManager three = (LocalReplicaManager) cluster.broker(3).replicaManager();
    Set<TopicPartition> all = new HashSet<>();
    for (int p = 0; p < PARTITIONS; p++) all.add(new TopicPartition("spread", p));
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(union(two.fetchersFrom(1).values())).containsAll(all);
      assertThat(union(three.fetchersFrom(1).values())).containsAll(all);
    });

    Map<Integer, Set<TopicPartition>> fetchers = two.fetchersFrom(1);
    assertThat(fetchers).containsOnlyKeys(0, 1);
    assertThat(fetchers.values()).allSatisfy(share -> assertThat(share).isNotEmpty().hasSizeLessThan(PARTITIONS));
    assertThat(three.fetchersFrom(1)).containsOnlyKeys(0);
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
        .contains("brook-replica-fetcher-2-from-1-0", "brook-replica-fetcher-2-from-1-1")
        .doesNotContain("brook-replica-fetcher-3-from-1-1");

    // acks=all with min.insync.replicas=3: each send completes only once broker 2 (through the
    // fetcher its partition hashes to) and broker 3 have the record.
    Properties p = new Properties();
    p.put("bootstrap.servers", cluster.bootstrap());
    p.put("acks", "all");
    p.put("linger.ms", "0");
    p.put("delivery.timeout.ms", "30000");
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 10 * PARTITIONS; i++) {
        sent.add(producer.send(new ProducerRecord<>("spread", i % PARTITIONS, null, "r" + i)));
      }
      for (Future<RecordMetadata> f : sent) f.get(30, TimeUnit.SECONDS);
    }
    for (TopicPartition tp : all) {
      assertThat(two.partition(tp).orElseThrow().logEndOffset()).as("broker 2's copy of %s", tp).isEqualTo(10);
      assertThat(three.partition(tp).orElseThrow().logEndOffset()).as("broker 3's copy of %s", tp).isEqualTo(10);
    }
    assertThat(two.fetchersFrom(1)).isEqualTo(fetchers); // each partition stayed with its fetcher
  }

  private static Set<TopicPartition> union(java.util.Collection<Set<TopicPartition>> sets) {
    Set<TopicPartition> out = new HashSet<>();
    sets.forEach(out::addAll);
    return out;
  }
}
