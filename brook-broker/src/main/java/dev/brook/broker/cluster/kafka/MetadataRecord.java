package dev.brook.broker.cluster.kafka;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * The records of Kafka's KRaft metadata log ({@code __cluster_metadata-0}) that a topic import
 * needs, decoded from a record's value; every other kind is {@link Other} and skipped.
 *
 * <p>The value is framed: frame version (unsigned varint, 1), api key (unsigned varint: which
 * record), record version (unsigned varint), then the record in Kafka's message encoding. Every
 * metadata record is a flexible version, so strings are compact (unsigned varint length + 1, 0 for
 * null) and each record ends with tagged fields, which are not needed here and left unread. The
 * layouts are those of Kafka's published schemas ({@code common/metadata/*.json}), at the versions
 * Kafka 4.1 writes; only the leading fields read here are decoded, so later versions that append
 * fields still read.
 *
 * <p>Immutable values; decoding is stateless.
 */
public sealed interface MetadataRecord {
  /** TopicRecord (api key 2): a topic is born with this name and id. */
  record Topic(String name, Uuid id) implements MetadataRecord {}

  /** PartitionRecord (api key 3): the topic has this partition. */
  record Partition(Uuid topicId, int partition) implements MetadataRecord {}

  /**
   * ConfigRecord (api key 4): a dynamic config is set ({@code value} null: removed) on a resource:
   * {@link #TOPIC} with the topic's name, or {@link #BROKER} with a broker id ("" for the cluster).
   */
  record Config(byte resourceType, String resourceName, String name, String value) implements MetadataRecord {
    public static final byte TOPIC = 2;
    public static final byte BROKER = 4;
  }

  /** RemoveTopicRecord (api key 9): the topic and its partitions are gone. */
  record RemoveTopic(Uuid id) implements MetadataRecord {}

  /**
   * ProducerIdsRecord (api key 15): the controller handed out producer ids below {@code
   * nextProducerId} (a block to a broker).
   */
  record ProducerIds(long nextProducerId) implements MetadataRecord {}

  /** BeginTransactionRecord (23): the records up to the matching end apply together or not at all. */
  record BeginTransaction() implements MetadataRecord {}

  /** EndTransactionRecord (24): the open metadata transaction applies. */
  record EndTransaction() implements MetadataRecord {}

  /** AbortTransactionRecord (25): the open metadata transaction's records are discarded. */
  record AbortTransaction() implements MetadataRecord {}

  /** Any other record (brokers, features, partition changes, ACLs, quotas...): not imported. */
  record Other(int apiKey, int version) implements MetadataRecord {}

  /** The only frame version Kafka has written. */
  int FRAME_VERSION = 1;

  /**
   * Decodes one record value (from its position; the buffer is not moved). Throws {@link
   * IllegalArgumentException} saying what is wrong when the bytes are not a record of a known
   * frame and version (the caller names the file and offset).
   */
  static MetadataRecord decode(ByteBuffer value) {
    ByteBuffer b = value.duplicate();
    try {
      int frame = ByteUtils.readUnsignedVarint(b);
      if (frame != FRAME_VERSION) throw new IllegalArgumentException("unknown frame version " + frame);
      int apiKey = ByteUtils.readUnsignedVarint(b);
      int version = ByteUtils.readUnsignedVarint(b);
      return switch (apiKey) {
        case 2 -> new Topic(requireString(b, "topic name"), uuid(b));
        case 3 -> {
          int partition = b.getInt();
          yield new Partition(uuid(b), partition);
        }
        case 4 -> new Config(b.get(), requireString(b, "resource name"), requireString(b, "config name"), string(b));
        case 9 -> new RemoveTopic(uuid(b));
        case 15 -> {
          b.getInt(); // the broker the block went to
          b.getLong(); // its epoch
          yield new ProducerIds(b.getLong());
        }
        case 23 -> new BeginTransaction();
        case 24 -> new EndTransaction();
        case 25 -> new AbortTransaction();
        default -> new Other(apiKey, version);
      };
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("record ends early (" + value.remaining() + " bytes)", e);
    }
  }

  private static Uuid uuid(ByteBuffer b) {
    return new Uuid(b.getLong(), b.getLong());
  }

  private static String requireString(ByteBuffer b, String what) {
    String s = string(b);
    if (s == null) throw new IllegalArgumentException("null " + what);
    return s;
  }

  /** A compact nullable string: unsigned varint length + 1 (0: null), then UTF-8 bytes. */
  private static String string(ByteBuffer b) {
    int lengthPlusOne = ByteUtils.readUnsignedVarint(b);
    if (lengthPlusOne == 0) return null;
    int length = lengthPlusOne - 1;
    if (length > b.remaining()) throw new IllegalArgumentException("string of " + length + " bytes overruns the record");
    byte[] bytes = new byte[length];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
