package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/** {@code brook topics|produce|consume} as processes, against a Brook broker. */
class CliClientsIT extends AgainstBroker {
  static BrookProcess.Result brook(String stdin, String... args) throws Exception {
    return BrookProcess.run(stdin, args);
  }

  @Test
  void topicsCreateListDescribeAlterDelete() throws Exception {
    ExternalTool.requireServes(bootstrap, ApiKeys.CREATE_TOPICS, ApiKeys.METADATA, ApiKeys.DESCRIBE_CONFIGS,
        ApiKeys.CREATE_PARTITIONS, ApiKeys.INCREMENTAL_ALTER_CONFIGS, ApiKeys.DELETE_TOPICS);
    BrookProcess.Result create = brook(null, "topics", "create", "--bootstrap-server", bootstrap, "--topic", "cli-t",
        "--partitions", "2", "--replication-factor", "1", "--config", "retention.ms=60000");
    assertThat(create.exitCode()).as(create.stderr()).isZero();
    assertThat(create.stdoutLines()).containsExactly("Created topic cli-t.");

    BrookProcess.Result again = brook(null, "topics", "create", "--bootstrap-server", bootstrap, "--topic", "cli-t");
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.stderrLines()).singleElement().asString().startsWith("brook: ").contains("cli-t").contains("already exists");
    assertThat(brook(null, "topics", "create", "--bootstrap-server", bootstrap, "--topic", "cli-t", "--if-not-exists").exitCode()).isZero();

    assertThat(brook(null, "topics", "list", "--bootstrap-server", bootstrap).stdoutLines()).contains("cli-t");

    assertThat(brook(null, "topics", "alter", "--bootstrap-server", bootstrap, "--topic", "cli-t", "--partitions", "3",
        "--config", "retention.ms=120000").exitCode()).isZero();
    BrookProcess.Result describe = brook(null, "topics", "describe", "--bootstrap-server", bootstrap, "--topic", "cli-t");
    assertThat(describe.exitCode()).as(describe.stderr()).isZero();
    assertThat(describe.stdoutLines()).hasSize(4);
    assertThat(describe.stdoutLines().get(0))
        .matches("Topic: cli-t\tTopicId: \\S{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: .*")
        .contains("retention.ms=120000");
    assertThat(describe.stdoutLines().get(3)).startsWith("\tTopic: cli-t\tPartition: 2\tLeader: " + nodeId
        + "\tReplicas: " + nodeId + "\tIsr: " + nodeId);

    assertThat(brook(null, "topics", "delete", "--bootstrap-server", bootstrap, "--topic", "cli-t").exitCode()).isZero();
    BrookProcess.Result gone = brook(null, "topics", "delete", "--bootstrap-server", bootstrap, "--topic", "cli-t");
    assertThat(gone.exitCode()).isEqualTo(1);
    assertThat(gone.stderrLines()).singleElement().asString().startsWith("brook: ");
    assertThat(brook(null, "topics", "delete", "--bootstrap-server", bootstrap, "--topic", "cli-t", "--if-exists").exitCode()).isZero();
  }

  @Test
  void produceThenConsumeWithKeysTimestampsOffsetsAndLimits() throws Exception {
    ExternalTool.requireServes(bootstrap, ApiKeys.CREATE_TOPICS, ApiKeys.METADATA, ApiKeys.PRODUCE,
        ApiKeys.INIT_PRODUCER_ID, ApiKeys.FETCH, ApiKeys.LIST_OFFSETS, ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP,
        ApiKeys.SYNC_GROUP, ApiKeys.OFFSET_FETCH, ApiKeys.OFFSET_COMMIT);
    Clients.createTopic(bootstrap, "cli-data", 1);
    BrookProcess.Result produce = brook("a|one\nb|two\nc|three\n", "produce", "--bootstrap-server", bootstrap,
        "--topic", "cli-data", "--property", "parse.key=true", "--property", "key.separator=|");
    assertThat(produce.exitCode()).as(produce.stderr()).isZero();

    BrookProcess.Result all = brook(null, "consume", "--bootstrap-server", bootstrap, "--topic", "cli-data",
        "--from-beginning", "--max-messages", "3", "--timeout-ms", "30000",
        "--property", "print.key=true", "--property", "print.timestamp=true", "--property", "key.separator=,");
    assertThat(all.exitCode()).as(all.stderr()).isZero();
    assertThat(all.stdoutLines()).hasSize(3);
    assertThat(all.stdoutLines().get(0)).matches("CreateTime:\\d{13},a,one");
    assertThat(all.stdoutLines().get(2)).endsWith(",c,three");
    assertThat(all.stderr()).contains("Processed a total of 3 messages");

    BrookProcess.Result fromOffset = brook(null, "consume", "--bootstrap-server", bootstrap, "--topic", "cli-data",
        "--partition", "0", "--offset", "1", "--max-messages", "1", "--timeout-ms", "30000");
    assertThat(fromOffset.stdoutLines()).containsExactly("two");

    BrookProcess.Result toPartition = brook("d|four\n", "produce", "--bootstrap-server", bootstrap,
        "--topic", "cli-data", "--partition", "0", "--property", "parse.key=true", "--property", "key.separator=|");
    assertThat(toPartition.exitCode()).as(toPartition.stderr()).isZero();

    BrookProcess.Result inGroup = brook(null, "consume", "--bootstrap-server", bootstrap, "--topic", "cli-data",
        "--group", "cli-group", "--from-beginning", "--max-messages", "4", "--timeout-ms", "60000");
    assertThat(inGroup.exitCode()).as(inGroup.stderr()).isZero();
    assertThat(inGroup.stdoutLines()).containsExactly("one", "two", "three", "four");

    BrookProcess.Result idle = brook(null, "consume", "--bootstrap-server", bootstrap, "--topic", "cli-data",
        "--timeout-ms", "1000");
    assertThat(idle.exitCode()).isZero();
    assertThat(idle.stdout()).isEmpty();
  }

  @Test
  void unreachableBrokerIsOneLine() throws Exception {
    int closedPort;
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    java.nio.file.Path config = java.nio.file.Files.createTempFile("brook-client", ".properties");
    java.nio.file.Files.writeString(config, "default.api.timeout.ms=3000\nrequest.timeout.ms=2000\n");
    BrookProcess.Result r = brook(null, "topics", "list", "--bootstrap-server", "127.0.0.1:" + closedPort,
        "--command-config", config.toString());
    java.nio.file.Files.delete(config);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderrLines()).singleElement().asString().startsWith("brook: timed out talking to the broker");
  }

  @Test
  void userErrorsAreOneLine() throws Exception {
    BrookProcess.Result badOffset = brook(null, "consume", "--topic", "x", "--partition", "0", "--offset", "soon");
    assertThat(badOffset.exitCode()).isEqualTo(2);
    assertThat(badOffset.stderrLines()).containsExactly("brook: --offset: expected earliest, latest or a non-negative number, got 'soon'");

    BrookProcess.Result noTopic = brook(null, "produce", "--bootstrap-server", bootstrap);
    assertThat(noTopic.exitCode()).isEqualTo(2);
    assertThat(noTopic.stderrLines()).singleElement().asString().contains("--topic");

    BrookProcess.Result badConfig = brook(null, "topics", "create", "--bootstrap-server", bootstrap, "--topic", "t", "--config", "novalue");
    assertThat(badConfig.exitCode()).isEqualTo(2);
    assertThat(badConfig.stderrLines()).containsExactly("brook: --config: expected key=value, got 'novalue'");
  }
}
