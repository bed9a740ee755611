package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Apache Kafka 4.1.1's own command-line tools (through the anchor script) against Brook. */
class KafkaToolsIT extends AgainstBroker {
  @BeforeEach
  void anchorIsThere() {
    ExternalTool.assumeAnchor();
  }

  static ExternalTool.Result tool(String stdin, String cls, String... args) throws Exception {
    return ExternalTool.anchorTool(stdin, 120, cls, args);
  }

  @Test
  void topicCommandCreatesListsAndDescribes() throws Exception {
    ExternalTool.requireServes(bootstrap, ApiKeys.CREATE_TOPICS, ApiKeys.METADATA, ApiKeys.DESCRIBE_CONFIGS);
    String t = "org.apache.kafka.tools.TopicCommand";
    ExternalTool.Result create = tool(null, t, "--bootstrap-server", bootstrap, "--create", "--topic", "tools-topic",
        "--partitions", "3", "--replication-factor", "1", "--config", "retention.ms=3600000");
    assertThat(create.exitCode()).as(create.toString()).isZero();
    assertThat(create.stdout()).contains("Created topic tools-topic.");

    ExternalTool.Result list = tool(null, t, "--bootstrap-server", bootstrap, "--list");
    assertThat(list.exitCode()).as(list.toString()).isZero();
    assertThat(list.lines()).contains("tools-topic");

    ExternalTool.Result describe = tool(null, t, "--bootstrap-server", bootstrap, "--describe", "--topic", "tools-topic");
    assertThat(describe.exitCode()).as(describe.toString()).isZero();
    assertThat(describe.stdout())
        .contains("Topic: tools-topic\tTopicId: ")
        .contains("PartitionCount: 3\tReplicationFactor: 1")
        .contains("retention.ms=3600000")
        .contains("Partition: 2\tLeader: " + nodeId);
    assertThat(describe.stdout()).doesNotContain("TopicId: AAAAAAAAAAAAAAAAAAAAAA");
  }

  @Test
  void consoleProducerToConsoleConsumerRoundTripAndGetOffsetShell() throws Exception {
    ExternalTool.requireServes(bootstrap, ApiKeys.CREATE_TOPICS, ApiKeys.METADATA, ApiKeys.PRODUCE,
        ApiKeys.INIT_PRODUCER_ID, ApiKeys.FETCH, ApiKeys.LIST_OFFSETS);
    Clients.createTopic(bootstrap, "console", 1);
    ExternalTool.Result produce = tool("k1:hello\nk2:brook\nk3:world\n", "org.apache.kafka.tools.ConsoleProducer",
        "--bootstrap-server", bootstrap, "--topic", "console",
        "--property", "parse.key=true", "--property", "key.separator=:");
    assertThat(produce.exitCode()).as(produce.toString()).isZero();

    ExternalTool.Result consume = tool(null, "org.apache.kafka.tools.consumer.ConsoleConsumer",
        "--bootstrap-server", bootstrap, "--topic", "console", "--partition", "0", "--offset", "earliest",
        "--max-messages", "3", "--timeout-ms", "30000",
        "--property", "print.key=true", "--property", "key.separator=:");
    assertThat(consume.exitCode()).as(consume.toString()).isZero();
    assertThat(consume.lines()).containsExactly("k1:hello", "k2:brook", "k3:world");

    ExternalTool.Result offsets = tool(null, "org.apache.kafka.tools.GetOffsetShell",
        "--bootstrap-server", bootstrap, "--topic", "console", "--time", "-1");
    assertThat(offsets.exitCode()).as(offsets.toString()).isZero();
    assertThat(offsets.lines()).containsExactly("console:0:3");
    ExternalTool.Result earliest = tool(null, "org.apache.kafka.tools.GetOffsetShell",
        "--bootstrap-server", bootstrap, "--topic", "console", "--time", "-2");
    assertThat(earliest.lines()).containsExactly("console:0:0");
  }

  @Test
  void consoleConsumerInAGroupReadsFromBeginning() throws Exception {
    ExternalTool.requireServes(bootstrap, ApiKeys.CREATE_TOPICS, ApiKeys.PRODUCE, ApiKeys.FETCH,
        ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.HEARTBEAT, ApiKeys.OFFSET_FETCH,
        ApiKeys.OFFSET_COMMIT);
    Clients.createTopic(bootstrap, "console-group", 2);
    Clients.produce(bootstrap, "console-group", 0, 10);
    ExternalTool.Result consume = tool(null, "org.apache.kafka.tools.consumer.ConsoleConsumer",
        "--bootstrap-server", bootstrap, "--topic", "console-group", "--from-beginning", "--group", "tools-it",
        "--max-messages", "10", "--timeout-ms", "60000");
    assertThat(consume.exitCode()).as(consume.toString()).isZero();
    assertThat(consume.lines()).hasSize(10).allMatch(l -> l.startsWith("value-"));
  }
}
