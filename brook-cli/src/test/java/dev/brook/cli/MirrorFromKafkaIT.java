package dev.brook.cli;

import static dev.brook.cli.MirrorClients.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.testkit.BrookTestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code brook mirror} from Apache Kafka 4.1.1 (the anchor, a real KRaft broker) to Brook: a kill -9
 * mid stream and a restart leave every Kafka record exactly once in Brook, and a consumer group of
 * Kafka's, translated by MM2's RemoteClusterUtils from the checkpoints, resumes on Brook at exactly
 * the record after its last commit. And the other way, Brook to Kafka, through a kill -9: Kafka
 * checks every copied batch (CRC, producer epoch and sequences, the transaction's partitions) as it
 * does a producer's. Fails (never skips) without the anchor script.
 */
class MirrorFromKafkaIT {
  @TempDir Path tmp;

  @Test
  void kafkaToBrookExactlyOnceThroughAKillWithExactGroupTranslation() throws Exception {
    ExternalTool.requireAnchor();
    try (AnchorKafka kafka = AnchorKafka.start(tmp.resolve("anchor"));
        BrookTestBroker brook = BrookTestBroker.start()) {
      String k = kafka.bootstrap();
      createTopic(k, "orders", 2, Map.of("retention.ms", "-1"));
      produce(k, "orders", 0, 4_000);
      abortedTransaction(k, "orders", 100);
      produce(k, "orders", 4_000, 8_000);
      TopicPartition p0 = new TopicPartition("orders", 0);
      TopicPartition p1 = new TopicPartition("orders", 1);
      Map<TopicPartition, OffsetAndMetadata> commit = Map.of(p0, new OffsetAndMetadata(77), p1, new OffsetAndMetadata(3_100));
      try (Admin admin = admin(k)) {
        admin.alterConsumerGroupOffsets("billing", commit).all().get();
      }
      Path config = tmp.resolve("mirror.properties");
      Files.writeString(config, String.join("\n",
          "clusters = kafka, brook",
          "kafka.bootstrap.servers = " + k,
          "brook.bootstrap.servers = " + brook.bootstrapServers(),
          "kafka->brook.enabled = true",
          "refresh.topics.interval.seconds = 1",
          "emit.checkpoints.interval.seconds = 1",
          ""));
      BrookProcess mirror = startMirror(config);
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> targetEnd(brook.bootstrapServers(), "kafka.orders") >= 2_000);
        assertThat(mirror.kill9()).isEqualTo(137);
      } finally {
        mirror.close();
        System.out.println("--- first mirror's stderr:\n" + mirror.stderr());
      }
      mirror = startMirror(config);
      try {
        try {
          await().atMost(Duration.ofSeconds(60)).until(() -> committedRecords(brook.bootstrapServers(), "kafka.orders").size() >= 8_000);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError("target: " + committedRecords(brook.bootstrapServers(), "kafka.orders").size() + " committed records; end offsets "
              + endOffsets(brook.bootstrapServers(), "kafka.orders"), e);
        }
        Thread.sleep(1_500); // room for a duplicate to show
        assertThat(difference(byPartition(committedRecords(k, "orders")), byPartition(committedRecords(brook.bootstrapServers(), "kafka.orders"))))
            .isEmpty();
        assertThat(committedRecords(brook.bootstrapServers(), "kafka.orders")).hasSize(8_000);
        assertThat(topicConfig(brook.bootstrapServers(), "kafka.orders", "retention.ms")).isEqualTo("-1");

        AtomicReference<Map<TopicPartition, OffsetAndMetadata>> translated = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          translated.set(RemoteClusterUtils.translateOffsets(Map.of("bootstrap.servers", brook.bootstrapServers()), "kafka", "billing", Duration.ofSeconds(5)));
          return translated.get().size() == 2;
        });
        for (TopicPartition tp : List.of(p0, p1)) {
          TopicPartition remote = new TopicPartition("kafka.orders", tp.partition());
          assertThat(firstRecordFrom(brook.bootstrapServers(), remote, translated.get().get(remote).offset()))
              .as(remote.toString()).isEqualTo(firstRecordFrom(k, tp, commit.get(tp).offset()));
        }
      } finally {
        mirror.close();
        System.out.println("--- second mirror's stderr:\n" + mirror.stderr());
      }
    }
  }

  @Test
  void brookToKafkaExactlyOnceThroughAKill() throws Exception {
    ExternalTool.requireAnchor();
    try (AnchorKafka kafka = AnchorKafka.start(tmp.resolve("anchor"));
        BrookTestBroker brook = BrookTestBroker.start()) {
      String k = kafka.bootstrap();
      String b = brook.bootstrapServers();
      createTopic(b, "orders", 2, Map.of());
      produce(b, "orders", 0, 4_000);
      abortedTransaction(b, "orders", 100);
      produce(b, "orders", 4_000, 8_000);
      Path config = tmp.resolve("mirror.properties");
      Files.writeString(config, String.join("\n",
          "clusters = brook, kafka",
          "brook.bootstrap.servers = " + b,
          "kafka.bootstrap.servers = " + k,
          "brook->kafka.enabled = true",
          "refresh.topics.interval.seconds = 1",
          ""));
      BrookProcess mirror = startMirror(config);
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> targetEnd(k, "brook.orders") >= 2_000);
        assertThat(mirror.kill9()).isEqualTo(137);
        assertThat(mirror.stderr()).contains("copying whole record batches");
      } finally {
        mirror.close();
        System.out.println("--- first mirror's stderr:\n" + mirror.stderr());
      }
      mirror = startMirror(config);
      try {
        try {
          await().atMost(Duration.ofSeconds(60)).until(() -> committedRecords(k, "brook.orders").size() >= 8_000);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError("target: " + committedRecords(k, "brook.orders").size() + " committed records; end offsets "
              + endOffsets(k, "brook.orders"), e);
        }
        Thread.sleep(1_500); // room for a duplicate to show
        assertThat(difference(byPartition(committedRecords(b, "orders")), byPartition(committedRecords(k, "brook.orders")))).isEmpty();
        assertThat(committedRecords(k, "brook.orders")).hasSize(8_000);
      } finally {
        mirror.close();
        System.out.println("--- second mirror's stderr:\n" + mirror.stderr());
      }
    }
  }
}
