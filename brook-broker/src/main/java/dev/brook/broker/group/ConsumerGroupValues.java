package dev.brook.broker.group;

import dev.brook.broker.group.GroupRecord.ClassicMemberMetadata;
import dev.brook.broker.group.GroupRecord.ClassicProtocol;
import dev.brook.broker.group.GroupRecord.GroupEpoch;
import dev.brook.broker.group.GroupRecord.MemberAssignment;
import dev.brook.broker.group.GroupRecord.MemberSubscription;
import dev.brook.broker.group.GroupRecord.ResolvedRegex;
import dev.brook.broker.recordformat.RecordReader;
import dev.brook.broker.recordformat.RecordWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * The values of Kafka's KIP-848 consumer group records (key types 3, 5, 6, 7, 8, 16 of
 * __consumer_offsets). Each has one version, 0, and it is flexible: strings, bytes and arrays are
 * compact, and every struct ends with a tagged-field section (unknown tags are skipped).
 *
 * <pre>
 * 3 ConsumerGroupMetadataValue:      epoch:int32 tagged{0: metadataHash:int64, written when not 0}
 * 5 ConsumerGroupMemberMetadataValue: instanceId:nullable rackId:nullable clientId clientHost
 *     subscribedTopicNames:[string] subscribedTopicRegex:nullable rebalanceTimeoutMs:int32
 *     serverAssignor:nullable tagged{0: classicMemberMetadata: presence:uvarint (0 null, 1 present)
 *         then sessionTimeoutMs:int32 supportedProtocols:[name:string metadata:bytes tagged{}] tagged{}}
 * 6 ConsumerGroupTargetAssignmentMetadataValue: assignmentEpoch:int32
 * 7 ConsumerGroupTargetAssignmentMemberValue:   topicPartitions:[topicId:uuid partitions:[int32] tagged{}]
 * 8 ConsumerGroupCurrentMemberAssignmentValue:  memberEpoch:int32 previousMemberEpoch:int32 state:int8
 *     assignedPartitions:[topicId:uuid partitions:[int32] tagged{}] partitionsPendingRevocation:(same)
 * 16 ConsumerGroupRegularExpressionValue:    topics:[string] version:int64 timestamp:int64
 * </pre>
 *
 * Tag 0 of the member record follows Kafka's generated code: a null classic metadata (a member of
 * the consumer protocol) is written explicitly as presence 0; an empty one (session timeout 0, no
 * protocols), which is also what an absent tag reads as, is not written. Maps keep the order of
 * their entries, so a decoded record encodes to the same bytes.
 */
final class ConsumerGroupValues {
  static final String WHAT = "__consumer_offsets consumer group value";
  private static final ClassicMemberMetadata NO_CLASSIC = new ClassicMemberMetadata(0, List.of());

  private ConsumerGroupValues() {}

  private static RecordWriter v0() {
    return new RecordWriter().int16((short) 0);
  }

  private static RecordReader v0(ByteBuffer value, String name) {
    RecordReader r = new RecordReader(value, "__consumer_offsets " + name);
    short v = r.int16();
    if (v != 0) throw new IllegalArgumentException("unknown __consumer_offsets " + name + " version " + v);
    return r;
  }

  static byte[] groupEpoch(GroupEpoch e) {
    RecordWriter w = v0().int32(e.epoch());
    if (e.metadataHash() == 0) return w.unsignedVarint(0).toByteArray();
    return w.unsignedVarint(1).taggedField(0, t -> t.int64(e.metadataHash())).toByteArray();
  }

  static GroupEpoch groupEpoch(ByteBuffer value) {
    RecordReader r = v0(value, "ConsumerGroupMetadataValue");
    int epoch = r.int32();
    long[] hash = {0};
    r.taggedFields((tag, data) -> {
      if (tag == 0) hash[0] = data.int64();
    });
    return new GroupEpoch(epoch, hash[0]);
  }

  static byte[] subscription(MemberSubscription m) {
    RecordWriter w = v0()
        .compactString(m.instanceId())
        .compactString(m.rackId())
        .compactString(m.clientId())
        .compactString(m.clientHost())
        .compactArrayLength(m.subscribedTopicNames().size());
    for (String topic : m.subscribedTopicNames()) w.compactString(topic);
    w.compactString(m.subscribedTopicRegex()).int32(m.rebalanceTimeoutMs()).compactString(m.serverAssignor());
    ClassicMemberMetadata c = m.classic();
    if (c == null) return w.unsignedVarint(1).taggedField(0, t -> t.unsignedVarint(0)).toByteArray();
    if (isEmpty(c)) return w.unsignedVarint(0).toByteArray();
    return w.unsignedVarint(1).taggedField(0, t -> {
      t.unsignedVarint(1).int32(c.sessionTimeoutMs()).compactArrayLength(c.supportedProtocols().size());
      for (ClassicProtocol p : c.supportedProtocols()) t.compactString(p.name()).compactBytes(p.metadata()).unsignedVarint(0);
      t.unsignedVarint(0);
    }).toByteArray();
  }

  private static boolean isEmpty(ClassicMemberMetadata c) {
    return c.sessionTimeoutMs() == 0 && c.supportedProtocols().isEmpty();
  }

  static MemberSubscription subscription(ByteBuffer value) {
    RecordReader r = v0(value, "ConsumerGroupMemberMetadataValue");
    String instanceId = r.compactString(true);
    String rackId = r.compactString(true);
    String clientId = r.compactString(false);
    String clientHost = r.compactString(false);
    int n = r.compactArrayLength(1, false);
    List<String> topics = new ArrayList<>(n);
    for (int i = 0; i < n; i++) topics.add(r.compactString(false));
    String regex = r.compactString(true);
    int rebalanceTimeout = r.int32();
    String assignor = r.compactString(true);
    ClassicMemberMetadata[] classic = {NO_CLASSIC};
    r.taggedFields((tag, data) -> {
      if (tag == 0) classic[0] = classic(data);
    });
    return new MemberSubscription(instanceId, rackId, clientId, clientHost, List.copyOf(topics), regex,
        rebalanceTimeout, assignor, classic[0]);
  }

  private static ClassicMemberMetadata classic(RecordReader r) {
    if (r.unsignedVarint() == 0) return null;
    int sessionTimeout = r.int32();
    int n = r.compactArrayLength(3, false);
    List<ClassicProtocol> protocols = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      protocols.add(new ClassicProtocol(r.compactString(false), r.compactBytes()));
      r.skipTaggedFields();
    }
    r.skipTaggedFields();
    return new ClassicMemberMetadata(sessionTimeout, List.copyOf(protocols));
  }

  static byte[] assignmentEpoch(int epoch) {
    return v0().int32(epoch).unsignedVarint(0).toByteArray();
  }

  static int assignmentEpoch(ByteBuffer value) {
    RecordReader r = v0(value, "ConsumerGroupTargetAssignmentMetadataValue");
    int epoch = r.int32();
    r.skipTaggedFields();
    return epoch;
  }

  static byte[] targetAssignment(Map<Uuid, List<Integer>> partitions) {
    RecordWriter w = v0();
    topicPartitions(w, partitions);
    return w.unsignedVarint(0).toByteArray();
  }

  static Map<Uuid, List<Integer>> targetAssignment(ByteBuffer value) {
    RecordReader r = v0(value, "ConsumerGroupTargetAssignmentMemberValue");
    Map<Uuid, List<Integer>> partitions = topicPartitions(r);
    r.skipTaggedFields();
    return partitions;
  }

  static byte[] currentAssignment(MemberAssignment a) {
    RecordWriter w = v0().int32(a.memberEpoch()).int32(a.previousMemberEpoch()).int8(a.state());
    topicPartitions(w, a.assignedPartitions());
    topicPartitions(w, a.partitionsPendingRevocation());
    return w.unsignedVarint(0).toByteArray();
  }

  static MemberAssignment currentAssignment(ByteBuffer value) {
    RecordReader r = v0(value, "ConsumerGroupCurrentMemberAssignmentValue");
    int epoch = r.int32();
    int previous = r.int32();
    byte state = r.int8();
    Map<Uuid, List<Integer>> assigned = topicPartitions(r);
    Map<Uuid, List<Integer>> pending = topicPartitions(r);
    r.skipTaggedFields();
    return new MemberAssignment(epoch, previous, state, assigned, pending);
  }

  static byte[] resolvedRegex(ResolvedRegex x) {
    RecordWriter w = v0().compactArrayLength(x.topics().size());
    for (String topic : x.topics()) w.compactString(topic);
    return w.int64(x.version()).int64(x.timestamp()).unsignedVarint(0).toByteArray();
  }

  static ResolvedRegex resolvedRegex(ByteBuffer value) {
    RecordReader r = v0(value, "ConsumerGroupRegularExpressionValue");
    int n = r.compactArrayLength(1, false);
    List<String> topics = new ArrayList<>(n);
    for (int i = 0; i < n; i++) topics.add(r.compactString(false));
    long version = r.int64();
    long timestamp = r.int64();
    r.skipTaggedFields();
    return new ResolvedRegex(List.copyOf(topics), version, timestamp);
  }

  private static void topicPartitions(RecordWriter w, Map<Uuid, List<Integer>> partitions) {
    w.compactArrayLength(partitions.size());
    for (Map.Entry<Uuid, List<Integer>> e : partitions.entrySet()) {
      w.uuid(e.getKey()).compactArrayLength(e.getValue().size());
      for (int p : e.getValue()) w.int32(p);
      w.unsignedVarint(0);
    }
  }

  private static Map<Uuid, List<Integer>> topicPartitions(RecordReader r) {
    int n = r.compactArrayLength(18, false);
    Map<Uuid, List<Integer>> out = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      Uuid topicId = r.uuid();
      int m = r.compactArrayLength(4, false);
      List<Integer> partitions = new ArrayList<>(m);
      for (int j = 0; j < m; j++) partitions.add(r.int32());
      r.skipTaggedFields();
      out.put(topicId, List.copyOf(partitions));
    }
    return Collections.unmodifiableMap(out);
  }
}
