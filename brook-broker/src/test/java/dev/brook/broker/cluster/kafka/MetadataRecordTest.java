package dev.brook.broker.cluster.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/** Record values captured from the metadata log of a Kafka 4.1.1 (offsets given as found there). */
class MetadataRecordTest {
  static final Uuid ORDERS = Uuid.fromString("JkXlZqxoTIub5PHfNYmbuQ");
  /** Offset 84: TopicRecord v0 {name: orders}. */
  static final String TOPIC = "010200076f72646572732645e566ac684c8b9be4f1df35899bb900";
  /** Offset 85: ConfigRecord v0 {TOPIC orders, retention.ms=86400000}. */
  static final String CONFIG = "01040002076f72646572730d726574656e74696f6e2e6d7309383634303030303000";
  /** Offset 88: PartitionRecord v2 {partition 2 of orders, replicas [1], leader 1, directories [...]}. */
  static final String PARTITION = "010302000000022645e566ac684c8b9be4f1df35899bb90200000001020000000101010000000100"
      + "00000000000000022e3577c6242ec8a9b7f2e51c24ecf2d500";
  /** Offset 6: ConfigRecord v0 {BROKER "" (the cluster), min.insync.replicas=1}. */
  static final String CLUSTER_CONFIG = "0104000401146d696e2e696e73796e632e7265706c69636173023100";
  /** Offset 1: BeginTransactionRecord v0 {name (tagged): "Bootstrap records"}. */
  static final String BEGIN = "01170001001212426f6f747374726170207265636f726473";
  /** Offset 7: EndTransactionRecord v0. */
  static final String END = "01180000";
  /** Offset 98: ProducerIdsRecord v0 {broker 1, broker epoch 11, next producer id 1000}. */
  static final String PRODUCER_IDS = "010f0000000001000000000000000b00000000000003e800";

  @Test
  void topicRecord() {
    assertThat(decode(TOPIC)).isEqualTo(new MetadataRecord.Topic("orders", ORDERS));
  }

  @Test
  void partitionRecordOfTheNewestVersion() {
    assertThat(decode(PARTITION)).isEqualTo(new MetadataRecord.Partition(ORDERS, 2));
  }

  @Test
  void topicAndClusterConfigRecords() {
    assertThat(decode(CONFIG)).isEqualTo(new MetadataRecord.Config((byte) 2, "orders", "retention.ms", "86400000"));
    assertThat(decode(CLUSTER_CONFIG)).isEqualTo(new MetadataRecord.Config((byte) 4, "", "min.insync.replicas", "1"));
  }

  @Test
  void aDeletedConfigHasANullValue() {
    // ConfigRecord {TOPIC orders, retention.ms=null}: the captured record with a null value (0).
    String deleted = CONFIG.substring(0, CONFIG.indexOf("09383634")) + "0000";
    assertThat(decode(deleted)).isEqualTo(new MetadataRecord.Config((byte) 2, "orders", "retention.ms", null));
  }

  @Test
  void removeTopicRecord() {
    // RemoveTopicRecord v0: frame 1, api key 9, version 0, the topic id, no tagged fields.
    String remove = "010900" + TOPIC.substring(TOPIC.length() - 34, TOPIC.length() - 2) + "00";
    assertThat(decode(remove)).isEqualTo(new MetadataRecord.RemoveTopic(ORDERS));
  }

  @Test
  void transactionMarkersAndOtherRecords() {
    assertThat(decode(BEGIN)).isEqualTo(new MetadataRecord.BeginTransaction());
    assertThat(decode(END)).isEqualTo(new MetadataRecord.EndTransaction());
    assertThat(decode(PRODUCER_IDS)).isEqualTo(new MetadataRecord.ProducerIds(1000));
    assertThat(decode("01140000")).isEqualTo(new MetadataRecord.Other(20, 0)); // NoOpRecord
  }

  @Test
  void garbledRecordsAreRefusedSayingWhy() {
    assertThatThrownBy(() -> decode("02" + TOPIC.substring(2))).hasMessageContaining("frame version 2");
    assertThatThrownBy(() -> decode(TOPIC.substring(0, 20))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> decode(PARTITION.substring(0, 30))).hasMessageContaining("ends early");
  }

  static MetadataRecord decode(String hex) {
    return MetadataRecord.decode(ByteBuffer.wrap(HexFormat.of().parseHex(hex)));
  }
}
