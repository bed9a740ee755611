package dev.brook.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.brook.broker.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrookTestBrokerTest {
  @Test
  void startsOnLoopbackEphemeralPortAndAnswersApiVersions() throws Exception {
    try (BrookTestBroker brook = BrookTestBroker.start()) {
      assertThat(brook.port()).isPositive().isNotEqualTo(9092);
      assertThat(brook.bootstrapServers()).isEqualTo("127.0.0.1:" + brook.port());
      assertThat(RawKafkaClient.supportedApis(brook.bootstrapServers())).contains(ApiKeys.API_VERSIONS);
    }
  }

  @Test
  void closeDeletesTheTemporaryLogDirectory() {
    Path dir;
    try (BrookTestBroker brook = BrookTestBroker.start()) {
      dir = brook.logDir();
      assertThat(dir).isDirectory();
    }
    assertThat(dir).doesNotExist();
  }

  @Test
  void closeKeepsAGivenLogDirectory(@TempDir Path dir) {
    try (BrookTestBroker brook = BrookTestBroker.builder().logDir(dir).start()) {
      assertThat(brook.logDir()).isEqualTo(dir);
    }
    assertThat(dir).isDirectory();
  }

  @Test
  void twoBrokersRunSideBySide() {
    try (BrookTestBroker a = BrookTestBroker.start(); BrookTestBroker b = BrookTestBroker.start()) {
      assertThat(a.port()).isNotEqualTo(b.port());
      assertThat(a.logDir()).isNotEqualTo(b.logDir());
    }
  }

  @Test
  void brokerPropertiesApply() {
    try (BrookTestBroker brook = BrookTestBroker.builder().brokerProperty("node.id", "7").start()) {
      assertThat(brook.broker().nodeId()).isEqualTo(7);
    }
  }

  @Test
  void unknownBrokerPropertyFailsStartNamingTheKeyAndLeavesNoTempDir(@org.junit.jupiter.api.io.TempDir Path root)
      throws Exception {
    // A private root: the shared temp dir changes under other processes' feet.
    assertThatThrownBy(() -> BrookTestBroker.builder().tempRoot(root).brokerProperty("no.such.key", "1").start())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("no.such.key");
    try (var left = Files.list(root)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void topicsAreCreatedWithTheirPartitionCounts() throws Exception {
    try (BrookTestBroker brook = BrookTestBroker.builder().topic("orders", 3).topic("payments", 1).start();
        Admin admin = Admin.create(java.util.Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brook.bootstrapServers()))) {
      var topics = admin.describeTopics(java.util.List.of("orders", "payments")).allTopicNames().get();
      assertThat(topics.get("orders").partitions()).hasSize(3);
      assertThat(topics.get("payments").partitions()).hasSize(1);
      assertThat(topics.values()).extracting(TopicDescription::topicId).doesNotContainNull();
    }
  }
}
