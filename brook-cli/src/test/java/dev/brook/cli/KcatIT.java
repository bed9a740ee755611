package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** kcat (librdkafka) against Brook: metadata, produce, consume. */
class KcatIT extends AgainstBroker {
  @BeforeEach
  void kcatIsThere() {
    ExternalTool.assumeKcat();
  }

  @Test
  void metadataListsTheBrokerAndTopics() throws Exception {
    ExternalTool.requireServes(bootstrap, ApiKeys.METADATA, ApiKeys.CREATE_TOPICS);
    Clients.createTopic(bootstrap, "kcat-meta", 2);
    ExternalTool.Result r = ExternalTool.kcat(null, 60, "-b", bootstrap, "-L", "-t", "kcat-meta");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stdout())
        .contains("1 brokers:")
        .contains("broker " + nodeId + " at " + bootstrap)
        .contains("topic \"kcat-meta\" with 2 partitions:")
        .contains("partition 1, leader " + nodeId);
  }

  @Test
  void producesAndConsumesWithKeys() throws Exception {
    ExternalTool.requireServes(bootstrap, ApiKeys.METADATA, ApiKeys.CREATE_TOPICS, ApiKeys.PRODUCE, ApiKeys.FETCH,
        ApiKeys.LIST_OFFSETS);
    Clients.createTopic(bootstrap, "kcat-data", 1);
    ExternalTool.Result p = ExternalTool.kcat("a:1\nb:2\nc:3\n", 60, "-b", bootstrap, "-t", "kcat-data", "-P", "-K", ":");
    assertThat(p.exitCode()).as(p.toString()).isZero();
    ExternalTool.Result c = ExternalTool.kcat(null, 60, "-b", bootstrap, "-t", "kcat-data", "-C", "-o", "beginning",
        "-e", "-q", "-f", "%k=%s@%o\\n");
    assertThat(c.exitCode()).as(c.toString()).isZero();
    assertThat(c.lines()).containsExactly("a=1@0", "b=2@1", "c=3@2");
  }

  @Test
  void compressedProduceFromLibrdkafkaIsReadable() throws Exception {
    ExternalTool.requireServes(bootstrap, ApiKeys.METADATA, ApiKeys.CREATE_TOPICS, ApiKeys.PRODUCE, ApiKeys.FETCH,
        ApiKeys.LIST_OFFSETS);
    Clients.createTopic(bootstrap, "kcat-lz4", 1);
    StringBuilder in = new StringBuilder();
    for (int i = 0; i < 200; i++) in.append("line-").append(i).append('\n');
    ExternalTool.Result p = ExternalTool.kcat(in.toString(), 60, "-b", bootstrap, "-t", "kcat-lz4", "-P",
        "-z", "lz4");
    assertThat(p.exitCode()).as(p.toString()).isZero();
    ExternalTool.Result c = ExternalTool.kcat(null, 60, "-b", bootstrap, "-t", "kcat-lz4", "-C", "-o", "beginning", "-e", "-q");
    assertThat(c.lines()).hasSize(200).startsWith("line-0").endsWith("line-199");
  }
}
