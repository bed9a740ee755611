package dev.brook.broker.group;

import dev.brook.broker.group.GroupRecord.ConsumerGroupEpochRecord;
import dev.brook.broker.group.GroupRecord.ConsumerMemberRecord;
import dev.brook.broker.group.GroupRecord.CurrentAssignmentRecord;
import dev.brook.broker.group.GroupRecord.GroupMetadataRecord;
import dev.brook.broker.group.GroupRecord.IgnoredRecord;
import dev.brook.broker.group.GroupRecord.OffsetRecord;
import dev.brook.broker.group.GroupRecord.RegexRecord;
import dev.brook.broker.group.GroupRecord.TargetAssignmentEpochRecord;
import dev.brook.broker.group.GroupRecord.TargetAssignmentMemberRecord;
import dev.brook.broker.group.GroupRecord.TransactionalOffsetRecord;
import dev.brook.broker.group.GroupRecord.TxnMarker;
import dev.brook.broker.recordformat.RecordReader;
import dev.brook.broker.recordformat.RecordWriter;
import java.nio.ByteBuffer;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of __consumer_offsets in Kafka's own schemas, byte for byte as Kafka 4.1 writes them,
 * so Kafka's tools (OffsetsMessageFormatter, GroupMetadataMessageFormatter, kafka-dump-log's
 * offsets decoder), lag monitors that read the topic, and a Kafka broker given the log directory
 * all read Brook's records, and Brook reads theirs.
 *
 * <p>A key is an int16 record type followed by the key's fields; a key is never flexible and its
 * strings have an int16 length. The type decides both what the key holds and which schema the
 * value has. A value is an int16 version followed by that version's fields (see each value's
 * class for its versions); a record whose value is null is the key's tombstone, which compaction
 * eventually removes with everything before it.
 *
 * <pre>
 * type  key fields                      value (version written)        Brook record
 * 0     group topic partition:int32     OffsetCommitValue (read only)  OffsetRecord
 * 1     group topic partition:int32     OffsetCommitValue (v4; v1 with an expiry)  OffsetRecord
 * 2     group                           GroupMetadataValue (v3)        GroupMetadataRecord
 * 3     group                           ConsumerGroupMetadataValue (v0)  ConsumerGroupEpochRecord
 * 4     group                           ConsumerGroupPartitionMetadata (read only)  IgnoredRecord
 * 5     group memberId                  ConsumerGroupMemberMetadataValue (v0)  ConsumerMemberRecord
 * 6     group                           ConsumerGroupTargetAssignmentMetadataValue (v0)  TargetAssignmentEpochRecord
 * 7     group memberId                  ConsumerGroupTargetAssignmentMemberValue (v0)  TargetAssignmentMemberRecord
 * 8     group memberId                  ConsumerGroupCurrentMemberAssignmentValue (v0)  CurrentAssignmentRecord
 * 16    group regularExpression         ConsumerGroupRegularExpressionValue (v0)  RegexRecord
 * other group ...                       share/streams groups               IgnoredRecord
 * </pre>
 *
 * An offset committed in a transaction is an ordinary offset record in a transactional batch;
 * whether it counts is decided by the marker that follows (see {@link ReplicaGroupLog}).
 *
 * <p>Decoding never trusts a length: a truncated or garbled record is an {@link
 * IllegalArgumentException} that says what was being read (the loader skips the record and logs
 * it). An unknown record type is not an error but an {@link IgnoredRecord}: Kafka adds types for
 * new kinds of groups. Records of the layout Brook used before (same keys, its own values) are
 * read by {@link LegacyGroupRecordCodec}. Stateless.
 */
public final class GroupRecordCodec {
  static final short LEGACY_OFFSET_KEY = 0;
  static final short OFFSET_KEY = 1;
  static final short GROUP_KEY = 2;
  static final short CONSUMER_GROUP_KEY = 3;
  static final short PARTITION_METADATA_KEY = 4;
  static final short MEMBER_KEY = 5;
  static final short TARGET_EPOCH_KEY = 6;
  static final short TARGET_MEMBER_KEY = 7;
  static final short CURRENT_ASSIGNMENT_KEY = 8;
  static final short REGEX_KEY = 16;
  static final String KEY = "__consumer_offsets key";

  private GroupRecordCodec() {}

  /** The key bytes: the record type, then the group (and partition or member) it is about. */
  public static byte[] key(GroupRecord r) {
    return switch (r) {
      case OffsetRecord o -> new RecordWriter().int16(OFFSET_KEY).string(o.groupId())
          .string(o.partition().topic()).int32(o.partition().partition()).toByteArray();
      case TransactionalOffsetRecord t -> key(t.offset());
      case GroupMetadataRecord g -> groupKey(GROUP_KEY, g.groupId());
      case ConsumerGroupEpochRecord g -> groupKey(CONSUMER_GROUP_KEY, g.groupId());
      case TargetAssignmentEpochRecord g -> groupKey(TARGET_EPOCH_KEY, g.groupId());
      case ConsumerMemberRecord m -> memberKey(MEMBER_KEY, m.groupId(), m.memberId());
      case TargetAssignmentMemberRecord m -> memberKey(TARGET_MEMBER_KEY, m.groupId(), m.memberId());
      case CurrentAssignmentRecord m -> memberKey(CURRENT_ASSIGNMENT_KEY, m.groupId(), m.memberId());
      case RegexRecord x -> memberKey(REGEX_KEY, x.groupId(), x.regex());
      case IgnoredRecord i -> throw new IllegalArgumentException("an ignored record is never written: " + i);
      case TxnMarker m -> throw new IllegalArgumentException("a transaction marker is a control batch, not a record");
    };
  }

  /** The value bytes, or null for a tombstone. */
  public static byte[] value(GroupRecord r) {
    return switch (r) {
      case OffsetRecord o -> o.offset() == null ? null : OffsetCommitValues.encode(o.offset());
      case TransactionalOffsetRecord t -> value(t.offset());
      case GroupMetadataRecord g -> g.group() == null ? null : GroupMetadataValues.encode(g.group());
      case ConsumerGroupEpochRecord g -> g.value() == null ? null : ConsumerGroupValues.groupEpoch(g.value());
      case TargetAssignmentEpochRecord g ->
          g.assignmentEpoch() == null ? null : ConsumerGroupValues.assignmentEpoch(g.assignmentEpoch());
      case ConsumerMemberRecord m -> m.value() == null ? null : ConsumerGroupValues.subscription(m.value());
      case TargetAssignmentMemberRecord m ->
          m.partitions() == null ? null : ConsumerGroupValues.targetAssignment(m.partitions());
      case CurrentAssignmentRecord m -> m.value() == null ? null : ConsumerGroupValues.currentAssignment(m.value());
      case RegexRecord x -> x.value() == null ? null : ConsumerGroupValues.resolvedRegex(x.value());
      case IgnoredRecord i -> throw new IllegalArgumentException("an ignored record is never written: " + i);
      case TxnMarker m -> throw new IllegalArgumentException("a transaction marker is a control batch, not a record");
    };
  }

  private static byte[] groupKey(short type, String groupId) {
    return new RecordWriter().int16(type).string(groupId).toByteArray();
  }

  /** A key of the group and a second string: a member id, or (type 16) a regular expression. */
  private static byte[] memberKey(short type, String groupId, String memberId) {
    return new RecordWriter().int16(type).string(groupId).string(memberId).toByteArray();
  }

  /** Decodes one record; {@code value} null means tombstone. */
  public static GroupRecord decode(ByteBuffer key, ByteBuffer value) {
    RecordReader k = new RecordReader(key, KEY);
    short type = k.int16();
    return switch (type) {
      case LEGACY_OFFSET_KEY, OFFSET_KEY -> {
        String group = k.string(false);
        TopicPartition tp = new TopicPartition(k.string(false), k.int32());
        yield new OffsetRecord(group, tp, value == null ? null : OffsetCommitValues.decode(value));
      }
      case GROUP_KEY -> {
        String group = k.string(false);
        yield new GroupMetadataRecord(group, value == null ? null : GroupMetadataValues.decode(value));
      }
      case CONSUMER_GROUP_KEY -> {
        String group = k.string(false);
        yield new ConsumerGroupEpochRecord(group, value == null ? null : ConsumerGroupValues.groupEpoch(value));
      }
      case TARGET_EPOCH_KEY -> {
        String group = k.string(false);
        yield new TargetAssignmentEpochRecord(group, value == null ? null : ConsumerGroupValues.assignmentEpoch(value));
      }
      case MEMBER_KEY -> {
        String group = k.string(false);
        String member = k.string(false);
        yield new ConsumerMemberRecord(group, member, value == null ? null : ConsumerGroupValues.subscription(value));
      }
      case TARGET_MEMBER_KEY -> {
        String group = k.string(false);
        String member = k.string(false);
        yield new TargetAssignmentMemberRecord(group, member,
            value == null ? null : ConsumerGroupValues.targetAssignment(value));
      }
      case CURRENT_ASSIGNMENT_KEY -> {
        String group = k.string(false);
        String member = k.string(false);
        yield new CurrentAssignmentRecord(group, member,
            value == null ? null : ConsumerGroupValues.currentAssignment(value));
      }
      case REGEX_KEY -> {
        String group = k.string(false);
        String regex = k.string(false);
        yield new RegexRecord(group, regex, value == null ? null : ConsumerGroupValues.resolvedRegex(value));
      }
      default -> new IgnoredRecord(groupIdOf(k), type);
    };
  }

  /** The group id that starts the key of every group record type, or null if it has none. */
  private static String groupIdOf(RecordReader k) {
    try {
      return k.string(true);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
