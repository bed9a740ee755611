package dev.brook.broker.group;

import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * One record of __consumer_offsets, decoded. A null value is a tombstone: compaction then drops the
 * key. See {@link GroupRecordCodec} for the bytes.
 */
public sealed interface GroupRecord {
  String groupId();

  /** A committed offset, or ({@code offset == null}) its deletion. */
  record OffsetRecord(String groupId, TopicPartition partition, CommittedOffset offset)
      implements GroupRecord {}

  /**
   * An offset committed inside producer {@code producerId}'s transaction (TxnOffsetCommit): stored
   * as {@code offset} in a transactional batch, pending until a marker of that producer follows in
   * the same partition (COMMIT: it becomes the committed offset; ABORT: it is dropped).
   */
  record TransactionalOffsetRecord(long producerId, OffsetRecord offset) implements GroupRecord {
    @Override
    public String groupId() {
      return offset.groupId();
    }
  }

  /**
   * Not a record of its own but a transaction marker (control batch) read back from the log at
   * {@code logOffset}: ends producer {@code producerId}'s pending offsets of every group of the
   * partition. Never appended as a record; its group id is null.
   */
  record TxnMarker(long producerId, boolean commit, long logOffset) implements GroupRecord {
    @Override
    public String groupId() {
      return null;
    }
  }

  /** A group's generation and members, or ({@code group == null}) the group's deletion. */
  record GroupMetadataRecord(String groupId, GroupSnapshot group) implements GroupRecord {}

  /** What survives a restart of a classic group: its last generation as the leader synced it. */
  record GroupSnapshot(
      String protocolType,
      int generationId,
      String protocolName,
      String leaderId,
      long stateTimestamp,
      List<MemberSnapshot> members) {}

  record MemberSnapshot(
      String memberId,
      String groupInstanceId,
      String clientId,
      String clientHost,
      int rebalanceTimeoutMs,
      int sessionTimeoutMs,
      byte[] subscription,
      byte[] assignment) {}
}
