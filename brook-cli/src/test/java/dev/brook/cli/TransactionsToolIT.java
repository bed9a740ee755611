package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Kafka 4.1.1's kafka-transactions (TransactionsCommand, through the anchor script) against Brook:
 * list, describe and describe-producers show an open and a committed transaction as Kafka does.
 */
class TransactionsToolIT extends AgainstBroker {
  static final String TC = "org.apache.kafka.tools.TransactionsCommand";
  static final ApiKeys[] NEEDED = {ApiKeys.FIND_COORDINATOR, ApiKeys.INIT_PRODUCER_ID, ApiKeys.ADD_PARTITIONS_TO_TXN,
      ApiKeys.END_TXN, ApiKeys.LIST_TRANSACTIONS, ApiKeys.DESCRIBE_TRANSACTIONS, ApiKeys.DESCRIBE_PRODUCERS};

  static KafkaProducer<String, String> producer(String transactionalId) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()));
  }

  static ExternalTool.Result tc(String... args) throws Exception {
    return ExternalTool.anchorTool(null, 120, TC, args);
  }

  @Test
  void kafkaTransactionsToolListsDescribesAndShowsProducers() throws Exception {
    ExternalTool.assumeAnchor();
    ExternalTool.requireServes(bootstrap, NEEDED);
    Clients.createTopic(bootstrap, "txt", 1);
    try (KafkaProducer<String, String> done = producer("tool-done"); KafkaProducer<String, String> open = producer("tool-open")) {
      done.initTransactions();
      done.beginTransaction();
      done.send(new ProducerRecord<>("txt", 0, null, "a")).get();
      done.commitTransaction();
      open.initTransactions();
      open.beginTransaction();
      long openOffset = open.send(new ProducerRecord<>("txt", 0, null, "b")).get().offset();

      ExternalTool.Result list = tc("--bootstrap-server", bootstrap, "list");
      assertThat(list.exitCode()).as(list.toString()).isZero();
      assertThat(list.stdout()).containsPattern("tool-done\\s+" + nodeId + "\\s+\\d+\\s+CompleteCommit")
          .containsPattern("tool-open\\s+" + nodeId + "\\s+\\d+\\s+Ongoing");

      ExternalTool.Result describe = tc("--bootstrap-server", bootstrap, "describe", "--transactional-id", "tool-open");
      assertThat(describe.exitCode()).as(describe.toString()).isZero();
      assertThat(describe.stdout()).containsPattern("tool-open\\s+\\d+\\s+0\\s+Ongoing\\s+60000\\s+\\d+\\s+\\d+\\s+txt-0");

      ExternalTool.Result producers = tc("--bootstrap-server", bootstrap, "describe-producers", "--topic", "txt",
          "--partition", "0");
      assertThat(producers.exitCode()).as(producers.toString()).isZero();
      assertThat(producers.stdout()).containsPattern("\\d+\\s+0\\s+-1\\s+0\\s+\\d+\\s+" + openOffset) // the open one
          .containsPattern("\\d+\\s+0\\s+-1\\s+0\\s+\\d+\\s+None"); // the committed one
      open.abortTransaction();
    }
  }
}
