package dev.brook.broker.recordformat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.group.CommittedOffset;
import dev.brook.broker.group.GroupRecord;
import dev.brook.broker.group.GroupRecord.ConsumerGroupEpochRecord;
import dev.brook.broker.group.GroupRecord.ConsumerMemberRecord;
import dev.brook.broker.group.GroupRecord.CurrentAssignmentRecord;
import dev.brook.broker.group.GroupRecord.GroupMetadataRecord;
import dev.brook.broker.group.GroupRecord.OffsetRecord;
import dev.brook.broker.group.GroupRecord.TargetAssignmentEpochRecord;
import dev.brook.broker.group.GroupRecord.TargetAssignmentMemberRecord;
import dev.brook.broker.group.GroupRecordCodec;
import dev.brook.broker.txn.TxnRecord;
import dev.brook.broker.txn.TxnRecordCodec;
import dev.brook.broker.txn.TxnState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The records real Apache Kafka 4.1.1 wrote to its coordinator topics (captured by {@link
 * CoordinatorRecordCapture} against the anchor broker): Brook decodes each to what the workload
 * did, and encodes what it decoded to the very same bytes.
 */
class KafkaGoldenRecordsTest {
  private static final String DIR = "/coordinator-records/kafka-4.1.1/";
  private static final HexFormat HEX = HexFormat.of();

  /** One captured record: partition, offset, key and value bytes (value null: a tombstone). */
  record Captured(int partition, long offset, byte[] key, byte[] value) {}

  static List<Captured> load(String file) throws IOException {
    List<Captured> out = new ArrayList<>();
    try (InputStream in = KafkaGoldenRecordsTest.class.getResourceAsStream(DIR + file)) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank()) continue;
        String[] f = line.split(" ");
        out.add(new Captured(Integer.parseInt(f[0]), Long.parseLong(f[1]), HEX.parseHex(f[2]),
            f[3].equals("null") ? null : HEX.parseHex(f[3])));
      }
    }
    return out;
  }

  private static List<GroupRecord> groupRecords() throws IOException {
    List<GroupRecord> out = new ArrayList<>();
    for (Captured c : load("consumer-offsets.txt")) {
      out.add(GroupRecordCodec.decode(ByteBuffer.wrap(c.key()), c.value() == null ? null : ByteBuffer.wrap(c.value())));
    }
    return out;
  }

  @Test
  void everyConsumerOffsetsRecordReEncodesToKafkasBytes() throws IOException {
    List<Captured> captured = load("consumer-offsets.txt");
    assertThat(captured).hasSizeGreaterThan(10);
    for (Captured c : captured) {
      GroupRecord r = GroupRecordCodec.decode(ByteBuffer.wrap(c.key()), c.value() == null ? null : ByteBuffer.wrap(c.value()));
      assertThat(HEX.formatHex(GroupRecordCodec.key(r))).as("key of %s", r).isEqualTo(HEX.formatHex(c.key()));
      byte[] value = GroupRecordCodec.value(r);
      assertThat(value == null ? "null" : HEX.formatHex(value)).as("value of %s", r)
          .isEqualTo(c.value() == null ? "null" : HEX.formatHex(c.value()));
    }
  }

  @Test
  void classicGroupOffsetsAndMetadataDecodeToWhatWasCommitted() throws IOException {
    List<GroupRecord> records = groupRecords();
    Map<Integer, CommittedOffset> classic = new java.util.HashMap<>();
    for (GroupRecord r : records) {
      if (r instanceof OffsetRecord o && o.groupId().equals(CoordinatorRecordCapture.CLASSIC_GROUP)) {
        classic.put(o.partition().partition(), o.offset());
      }
    }
    assertThat(classic.get(0).offset()).isEqualTo(5);
    assertThat(classic.get(0).metadata()).isEqualTo("meta-0");
    assertThat(classic.get(1).metadata()).isEqualTo("métadonnée");
    assertThat(classic.get(2).offset()).isEqualTo(3);
    assertThat(classic.get(2).metadata()).isEmpty();
    assertThat(classic.get(0).expireTimestamp()).isEqualTo(-1);
    assertThat(classic.get(0).commitTimestamp()).isGreaterThan(1_700_000_000_000L);
    GroupMetadataRecord withMember = records.stream()
        .filter(r -> r instanceof GroupMetadataRecord g && g.group() != null && !g.group().members().isEmpty())
        .map(GroupMetadataRecord.class::cast).findFirst().orElseThrow();
    assertThat(withMember.group().protocolType()).isEqualTo("consumer");
    assertThat(withMember.group().protocolName()).isEqualTo("range");
    assertThat(withMember.group().members().get(0).clientId()).isEqualTo("classic-group-client");
    assertThat(withMember.group().leaderId()).isEqualTo(withMember.group().members().get(0).memberId());
  }

  @Test
  void consumerGroupRecordsDecode() throws IOException {
    List<GroupRecord> records = groupRecords();
    String group = CoordinatorRecordCapture.CONSUMER_GROUP;
    assertThat(records).anySatisfy(r -> assertThat(r).isInstanceOfSatisfying(ConsumerGroupEpochRecord.class,
        e -> assertThat(e.value().epoch()).isEqualTo(1)));
    ConsumerMemberRecord member = records.stream().filter(r -> r instanceof ConsumerMemberRecord m && m.value() != null)
        .map(ConsumerMemberRecord.class::cast).findFirst().orElseThrow();
    assertThat(member.groupId()).isEqualTo(group);
    assertThat(member.value().clientId()).isEqualTo("consumer-group-client");
    assertThat(member.value().subscribedTopicNames()).containsExactly(CoordinatorRecordCapture.TOPIC);
    assertThat(member.value().classic()).isNull();
    assertThat(records).anySatisfy(r -> assertThat(r).isInstanceOfSatisfying(TargetAssignmentMemberRecord.class,
        t -> assertThat(t.partitions().values()).containsExactly(List.of(0, 1, 2))));
    assertThat(records).anySatisfy(r -> assertThat(r).isInstanceOfSatisfying(CurrentAssignmentRecord.class,
        c -> assertThat(c.value().memberEpoch()).isEqualTo(1)));
    assertThat(records).anySatisfy(r -> assertThat(r).isEqualTo(new TargetAssignmentEpochRecord(group, 1)));
    // Leaving: the member's three records are deleted by tombstones.
    assertThat(records).contains(new ConsumerMemberRecord(group, member.memberId(), null),
        new CurrentAssignmentRecord(group, member.memberId(), null),
        new TargetAssignmentMemberRecord(group, member.memberId(), null));
  }

  @Test
  void transactionalOffsetCommitIsAnOrdinaryOffsetRecord() throws IOException {
    OffsetRecord txn = (OffsetRecord) groupRecords().stream()
        .filter(r -> r.groupId().equals(CoordinatorRecordCapture.TXN_GROUP)).findFirst().orElseThrow();
    assertThat(txn.offset().offset()).isEqualTo(11);
    assertThat(txn.offset().metadata()).isEqualTo("in-txn");
  }

  @Test
  void everyTransactionStateRecordReEncodesToKafkasBytes() throws IOException {
    List<Captured> captured = load("transaction-state.txt");
    assertThat(captured).hasSizeGreaterThan(5);
    for (Captured c : captured) {
      String id = TxnRecordCodec.decodeKey(ByteBuffer.wrap(c.key()));
      assertThat(TxnRecordCodec.key(id)).isEqualTo(c.key());
      TxnRecord r = TxnRecordCodec.decodeValue(id, ByteBuffer.wrap(c.value()));
      assertThat(HEX.formatHex(TxnRecordCodec.value(r))).as("value of %s", r).isEqualTo(HEX.formatHex(c.value()));
    }
  }

  @Test
  void transactionStatesDecodeToTheTransactionsRun() throws IOException {
    List<TxnRecord> done = new ArrayList<>();
    List<TxnRecord> open = new ArrayList<>();
    for (Captured c : load("transaction-state.txt")) {
      String id = TxnRecordCodec.decodeKey(ByteBuffer.wrap(c.key()));
      TxnRecord r = TxnRecordCodec.decodeValue(id, ByteBuffer.wrap(c.value()));
      (id.equals(CoordinatorRecordCapture.TXN_DONE) ? done : open).add(r);
    }
    assertThat(done).extracting(TxnRecord::state).containsExactly(TxnState.EMPTY, TxnState.ONGOING, TxnState.ONGOING,
        TxnState.ONGOING, TxnState.PREPARE_COMMIT, TxnState.COMPLETE_COMMIT);
    TxnRecord prepare = done.get(4);
    assertThat(prepare.partitions()).containsExactlyInAnyOrder(new TopicPartition("golden", 0),
        new TopicPartition("golden", 2), new TopicPartition("__consumer_offsets", 14));
    assertThat(prepare.timeoutMs()).isEqualTo(60_000);
    assertThat(prepare.clientTransactionVersion()).isEqualTo((short) 2); // a KIP-890 client
    assertThat(done.get(0).partitions()).isEmpty();
    assertThat(done.get(5).partitions()).isEmpty();
    assertThat(done).extracting(TxnRecord::producerId).containsOnly(done.get(0).producerId());
    TxnRecord ongoing = open.get(open.size() - 1);
    assertThat(ongoing.state()).isEqualTo(TxnState.ONGOING);
    assertThat(ongoing.partitions()).isEqualTo(Set.of(new TopicPartition("golden", 0), new TopicPartition("golden", 2)));
    assertThat(ongoing.startTimestamp()).isPositive();
  }
}
