package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.network.RawClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
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

  /**
   * The FindCoordinator that starts an internal topic's creation is answered when it is created,
   * with the coordinator: a fresh broker's first group or transactional producer does not wait a
   * retry backoff (Kafka answers COORDINATOR_NOT_AVAILABLE and the client asks again).
   */
  @Test
  void theFindCoordinatorThatCreatesTheTopicIsAnsweredWithTheCoordinator() throws Exception {
    try (Broker broker = PartitionTestSupport.start(dir, Map.of());
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      assertThat(internalTopics(admin)).doesNotContain("__transaction_state", "__consumer_offsets");
      for (CoordinatorType type : List.of(CoordinatorType.GROUP, CoordinatorType.TRANSACTION)) {
        FindCoordinatorResponseData.Coordinator found;
        try (RawClient c = new RawClient("127.0.0.1", broker.port())) {
          found = c.call(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType(type.id())
              .setCoordinatorKeys(List.of("first"))).build((short) 4), FindCoordinatorResponse.class)
              .data().coordinators().get(0);
        }
        assertThat(Errors.forCode(found.errorCode())).as(type.name()).isEqualTo(Errors.NONE);
        assertThat(found.port()).as(type.name()).isEqualTo(broker.port());
      }
      assertThat(internalTopics(admin)).contains("__transaction_state", "__consumer_offsets");
    }
  }

  private static Set<String> internalTopics(Admin admin) throws Exception {
    return admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
  }
}
