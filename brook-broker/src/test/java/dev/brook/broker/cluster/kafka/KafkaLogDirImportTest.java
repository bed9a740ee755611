package dev.brook.broker.cluster.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.cluster.LocalMetadataStore;
import dev.brook.broker.cluster.MetaProperties;
import dev.brook.broker.cluster.TopicMetadata;
import dev.brook.storage.LogManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaLogDirImportTest {
  /** Kafka 4.1.1's meta.properties (its keys; a real cluster id). */
  static final String META = "#\nnode.id=1\ndirectory.id=LjV3xiQuyKm38uUcJOzy1Q\nversion=1\ncluster.id=TnLAfCtLTry_WB3aaQ7vFQ\n";

  @TempDir Path logDir;

  @Test
  void importsTopicsIdsPartitionCountsAndConfigsOnce() throws Exception {
    kafkaLogDir();
    allPartitionDirs();
    assertThat(KafkaLogDirImport.needed(logDir)).isTrue();

    KafkaLogDirImport.Result result = KafkaLogDirImport.importIfNeeded(logDir, "TnLAfCtLTry_WB3aaQ7vFQ").orElseThrow();

    assertThat(result.topics()).hasSize(5);
    assertThat(result.partitions()).isEqualTo(3 + 2 + 2 + 50 + 50);
    assertThat(result.notImported()).anyMatch(s -> s.contains("cluster: min.insync.replicas=1"));
    LocalMetadataStore store = LocalMetadataStore.open(logDir, new MetaProperties(1, "TnLAfCtLTry_WB3aaQ7vFQ"));
    TopicMetadata orders = store.topic("orders").orElseThrow();
    assertThat(orders.id()).isEqualTo(Uuid.fromString("JkXlZqxoTIub5PHfNYmbuQ"));
    assertThat(orders.partitions()).isEqualTo(3);
    assertThat(orders.configs()).isEqualTo(Map.of("retention.ms", "86400000"));
    assertThat(store.topic("compacted").orElseThrow().configs()).isEqualTo(Map.of("cleanup.policy", "compact"));
    assertThat(store.topic("__consumer_offsets").orElseThrow().partitions()).isEqualTo(50);
    assertThat(store.topic("__consumer_offsets").orElseThrow().configs()).containsEntry("cleanup.policy", "compact");
    assertThat(store.topic(LogManager.KAFKA_METADATA_LOG_DIR)).isEmpty();
    assertThat(store.topic("__cluster_metadata")).isEmpty();

    // Kafka handed out producer ids 0..999: Brook's first is 1000.
    assertThat(dev.brook.broker.replica.ProducerIdManager.open(logDir).nextProducerId()).isEqualTo(1000);

    assertThat(KafkaLogDirImport.needed(logDir)).isFalse(); // once: Brook's metadata now rules
    assertThat(KafkaLogDirImport.importIfNeeded(logDir, "x")).isEmpty();
  }

  @Test
  void aMissingPartitionDirectoryFailsNamingItAndWritesNothing() throws Exception {
    kafkaLogDir();
    allPartitionDirs();
    Path txn1 = logDir.resolve("txn-1");
    Files.delete(txn1.resolve(PartitionMetadataFile.FILE_NAME));
    Files.delete(txn1);
    assertThatThrownBy(() -> KafkaLogDirImport.importIfNeeded(logDir, "c"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(txn1 + " is missing")
        .hasMessageContaining("several log.dirs");
    assertThat(logDir.resolve(LocalMetadataStore.FILE_NAME)).doesNotExist();
  }

  @Test
  void aPartitionDirectoryOfAnotherTopicIdFailsAndWritesNothing() throws Exception {
    kafkaLogDir();
    allPartitionDirs();
    partitionDir("orders-1", "HdEC0-bXQVSGLBqmtjT1Rw"); // compacted's id
    assertThatThrownBy(() -> KafkaLogDirImport.importIfNeeded(logDir, "c"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(logDir.resolve("orders-1/partition.metadata").toString())
        .hasMessageContaining("HdEC0-bXQVSGLBqmtjT1Rw");
    assertThat(logDir.resolve(LocalMetadataStore.FILE_NAME)).doesNotExist();
    assertThat(KafkaLogDirImport.needed(logDir)).isTrue();
  }

  @Test
  void aGarbledMetadataLogFailsNamingTheFileAndWritesNothing() throws Exception {
    kafkaLogDir();
    Path log = logDir.resolve(LogManager.KAFKA_METADATA_LOG_DIR).resolve("00000000000000000000.log");
    byte[] all = Files.readAllBytes(log);
    Files.write(log, java.util.Arrays.copyOf(all, all.length - 1));
    assertThatThrownBy(() -> KafkaLogDirImport.importIfNeeded(logDir, "c"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(log.toString());
    assertThat(logDir.resolve(LocalMetadataStore.FILE_NAME)).doesNotExist();
  }

  @Test
  void aMalformedPartitionMetadataIsAnErrorNamingIt() throws Exception {
    kafkaLogDir();
    Files.createDirectories(logDir.resolve("orders-0"));
    Files.writeString(logDir.resolve("orders-0/partition.metadata"), "version: 0\ntopic_id: nope\n");
    assertThatThrownBy(() -> KafkaLogDirImport.importIfNeeded(logDir, "c"))
        .hasMessageContaining("orders-0/partition.metadata has a malformed topic id");
  }

  @Test
  void aKafkaDirectoryWhoseMetadataLogIsElsewhereIsRefusedSayingSo() throws Exception {
    Files.writeString(logDir.resolve(MetaProperties.FILE_NAME), META);
    partitionDir("orders-0", "JkXlZqxoTIub5PHfNYmbuQ");
    assertThatThrownBy(() -> KafkaLogDirImport.importIfNeeded(logDir, "c"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("without Kafka's metadata log")
        .hasMessageContaining("metadata.log.dir");
  }

  @Test
  void aBrookDirectoryIsLeftAlone() throws Exception {
    assertThat(KafkaLogDirImport.needed(logDir)).isFalse();
    assertThat(KafkaLogDirImport.importIfNeeded(logDir, "c")).isEmpty();
  }

  private void kafkaLogDir() throws IOException {
    Files.writeString(logDir.resolve(MetaProperties.FILE_NAME), META);
    Path metadata = Files.createDirectories(logDir.resolve(LogManager.KAFKA_METADATA_LOG_DIR));
    MetadataLogReaderTest.copyRealLog(metadata);
  }

  /** The partition directories of the real log's topics (ids of the internal topics not checked). */
  private void allPartitionDirs() throws IOException {
    Map<String, String> ids = Map.of("orders", "JkXlZqxoTIub5PHfNYmbuQ", "compacted", "HdEC0-bXQVSGLBqmtjT1Rw",
        "txn", "8K6vRwf6RJiQkzz9WvTyeg");
    Map<String, Integer> counts = Map.of("orders", 3, "compacted", 2, "txn", 2, "__consumer_offsets", 50,
        "__transaction_state", 50);
    for (var e : counts.entrySet()) {
      for (int p = 0; p < e.getValue(); p++) {
        if (ids.containsKey(e.getKey())) partitionDir(e.getKey() + "-" + p, ids.get(e.getKey()));
        else Files.createDirectories(logDir.resolve(e.getKey() + "-" + p));
      }
    }
  }

  private void partitionDir(String name, String topicId) throws IOException {
    Path dir = Files.createDirectories(logDir.resolve(name));
    Files.writeString(dir.resolve(PartitionMetadataFile.FILE_NAME), "version: 0\ntopic_id: " + topicId);
  }
}
