package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The internal topics are created when first needed, as Kafka does, not at startup: a broker that
 * never sees a transaction or a group has neither (nor their 50 partitions each).
 */
class InternalTopicsOnFirstUseIT {
  @TempDir Path dir;

  @Test
  void transactionStateTopicAppearsWithTheFirstTransactionalProducer() throws Exception {
    try (Broker broker = PartitionTestSupport.start(dir, Map.of("transaction.state.log.num.partitions", "3"));
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      assertThat(internalTopics(admin)).doesNotContain("__transaction_state", "__consumer_offsets");
      Map<String, Object> props = Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
          ProducerConfig.TRANSACTIONAL_ID_CONFIG, "first-use",
          ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000,
          ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
          ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
        producer.initTransactions();
      }
      assertThat(internalTopics(admin)).contains("__transaction_state").doesNotContain("__consumer_offsets");
      assertThat(admin.describeTopics(Set.of("__transaction_state")).allTopicNames().get()
          .get("__transaction_state").partitions()).hasSize(3);
    }
  }

  private static Set<String> internalTopics(Admin admin) throws Exception {
    return admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
  }
}
