package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Kafka 4.1.1's {@code kafka-configs} (ConfigCommand, through the anchor script) against Brook: what
 * it prints must be what it prints for Kafka (the topic lines pass against the anchor broker with
 * {@code -Dbrook.it.bootstrap}; the broker alter at the end is where Brook differs on purpose).
 */
class ConfigCommandIT extends AgainstBroker {
  private static final String CONFIGS = "kafka.admin.ConfigCommand";

  @BeforeEach
  void anchorIsThere() {
    ExternalTool.assumeAnchor();
  }

  @Test
  void alterThenDescribeAllShowsSourcesLikeKafka() throws Exception {
    ExternalTool.requireServes(bootstrap, ApiKeys.CREATE_TOPICS, ApiKeys.DESCRIBE_CONFIGS,
        ApiKeys.INCREMENTAL_ALTER_CONFIGS);
    Clients.createTopic(bootstrap, "configs-topic", 1);
    ExternalTool.Result alter = ExternalTool.anchorTool(null, 120, CONFIGS, "--bootstrap-server", bootstrap,
        "--alter", "--entity-type", "topics", "--entity-name", "configs-topic",
        "--add-config", "retention.ms=1000,cleanup.policy=[compact,delete]");
    assertThat(alter.exitCode()).as(alter.toString()).isZero();
    assertThat(alter.stdout()).contains("Completed updating config for topic configs-topic.");

    ExternalTool.Result all = ExternalTool.anchorTool(null, 120, CONFIGS, "--bootstrap-server", bootstrap,
        "--describe", "--all", "--entity-type", "topics", "--entity-name", "configs-topic");
    assertThat(all.exitCode()).as(all.toString()).isZero();
    assertThat(all.lines()).contains(
        "  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}",
        "  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, "
            + "DEFAULT_CONFIG:log.cleanup.policy=delete}",
        "  segment.bytes=1073741824 sensitive=false synonyms={DEFAULT_CONFIG:log.segment.bytes=1073741824}",
        "  max.message.bytes=1048588 sensitive=false synonyms={DEFAULT_CONFIG:message.max.bytes=1048588}",
        "  segment.ms=604800000 sensitive=false synonyms={}");

    // Brook's one deliberate difference: no dynamic broker configs (Kafka accepts this one).
    ExternalTool.Result broker = ExternalTool.anchorTool(null, 120, CONFIGS, "--bootstrap-server", bootstrap,
        "--alter", "--entity-type", "brokers", "--entity-name", Integer.toString(nodeId),
        "--add-config", "log.retention.ms=1000");
    assertThat(broker.exitCode()).isNotZero();
    assertThat(broker.stdout() + broker.stderr()).contains("InvalidRequestException");
  }
}
