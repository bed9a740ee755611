package dev.brook.broker.group;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * One record of __consumer_offsets, decoded. A null value is a tombstone: compaction then drops the
 * key. The bytes are Kafka's own record schemas (see {@link GroupRecordCodec}); each variant here is
 * one of Kafka's key types: offsets and classic groups (OffsetCommit*, GroupMetadata*), and the
 * KIP-848 consumer groups (ConsumerGroup*).
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

  // ---------------------------------------------------------------------------------------------
  // KIP-848 consumer groups: one record per concern, as Kafka writes them, so a group's state is
  // rebuilt by replaying them in log order. A null value is the key's tombstone.

  /** ConsumerGroupMetadata (key type 3): the group epoch and the hash of its subscribed topics. */
  record ConsumerGroupEpochRecord(String groupId, GroupEpoch value) implements GroupRecord {}

  /** @param metadataHash KIP-1101's hash of the subscribed topics (0: not computed) */
  record GroupEpoch(int epoch, long metadataHash) {}

  /** ConsumerGroupMemberMetadata (key type 5): what a member subscribes to and who it is. */
  record ConsumerMemberRecord(String groupId, String memberId, MemberSubscription value) implements GroupRecord {}

  /**
   * @param subscribedTopicNames sorted, as Kafka writes them
   * @param classic the classic protocol metadata of a member that joined with JoinGroup into a
   *     consumer group (null for a member of the consumer protocol)
   */
  record MemberSubscription(
      String instanceId,
      String rackId,
      String clientId,
      String clientHost,
      List<String> subscribedTopicNames,
      String subscribedTopicRegex,
      int rebalanceTimeoutMs,
      String serverAssignor,
      ClassicMemberMetadata classic) {}

  record ClassicMemberMetadata(int sessionTimeoutMs, List<ClassicProtocol> supportedProtocols) {}

  record ClassicProtocol(String name, byte[] metadata) {}

  /** ConsumerGroupTargetAssignmentMetadata (key type 6): the epoch of the target assignment. */
  record TargetAssignmentEpochRecord(String groupId, Integer assignmentEpoch) implements GroupRecord {}

  /** ConsumerGroupTargetAssignmentMember (key type 7): one member's target partitions, by topic id. */
  record TargetAssignmentMemberRecord(String groupId, String memberId, Map<Uuid, List<Integer>> partitions)
      implements GroupRecord {}

  /** ConsumerGroupCurrentMemberAssignment (key type 8): a member's epochs and what it holds now. */
  record CurrentAssignmentRecord(String groupId, String memberId, MemberAssignment value) implements GroupRecord {}

  /**
   * @param state Kafka's MemberState value (0 stable, 1 unrevoked partitions, 2 unreleased
   *     partitions, 3 unknown)
   */
  record MemberAssignment(
      int memberEpoch,
      int previousMemberEpoch,
      byte state,
      Map<Uuid, List<Integer>> assignedPartitions,
      Map<Uuid, List<Integer>> partitionsPendingRevocation) {}

  /**
   * ConsumerGroupRegularExpression (key type 16): what a subscription regex of the group resolved
   * to, or ({@code value == null}) the regex no longer used by any member. It keeps a regex's
   * DESCRIBE filter across a restart: a member loaded from the log matches only these topics until
   * its next heartbeat brings its principal's decisions again.
   */
  record RegexRecord(String groupId, String regex, ResolvedRegex value) implements GroupRecord {}

  /**
   * @param topics the existing topics the regex matched and the members subscribing with it may
   *     DESCRIBE, sorted
   * @param version the metadata version it was resolved at (Kafka's image offset; Brook writes 0,
   *     which a Kafka coordinator reading the log takes as stale and resolves again)
   * @param timestamp when it was resolved, in ms
   */
  record ResolvedRegex(List<String> topics, long version, long timestamp) {}

  /**
   * A record Brook reads but keeps no state for: ConsumerGroupPartitionMetadata (key type 4, which
   * Kafka 4.1 replaced by the metadata hash and only tombstones), and the share and streams groups'
   * records. Replay skips it; {@code keyType} says which it was.
   */
  record IgnoredRecord(String groupId, short keyType) implements GroupRecord {}
}
