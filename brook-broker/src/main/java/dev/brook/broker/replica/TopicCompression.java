package dev.brook.broker.replica;

import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;

/**
 * A topic's {@code compression.type} with the levels of KIP-390 ({@code compression.gzip.level},
 * {@code compression.lz4.level}, {@code compression.zstd.level}). {@code producer} keeps every batch
 * as the producer compressed it, byte for byte; any other type is the codec the topic stores: a
 * batch a client (or a coordinator) appends in another codec is rewritten by the leader into this one,
 * at this codec's level, as Kafka's LogValidator does. Control batches are never rewritten. A batch
 * already in the topic's codec is kept as sent whatever level it was compressed at (Kafka compares
 * codecs, not levels). Immutable.
 *
 * @param codec the codec id of the batch attributes (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd), or
 *     {@link #PRODUCER}
 */
public record TopicCompression(int codec, int gzipLevel, int lz4Level, int zstdLevel) {
  /** {@code compression.type=producer}: batches are stored in the codec they were sent in. */
  public static final int PRODUCER = -1;

  /** Kafka's defaults: producer, levels -1 (gzip's default), 9, 3. */
  public static final TopicCompression DEFAULT = new TopicCompression(PRODUCER, -1, 9, 3);

  /** From the values of the four keys (already validated by the config rules). */
  public static TopicCompression of(String type, int gzipLevel, int lz4Level, int zstdLevel) {
    return new TopicCompression(codecOf(type), gzipLevel, lz4Level, zstdLevel);
  }

  /** This with a topic's overrides of the four keys applied (others ignored; unparsable values keep this one's). */
  public TopicCompression with(Map<String, String> overrides) {
    String type = overrides.get("compression.type");
    int c = codec;
    try {
      if (type != null) c = codecOf(type);
    } catch (IllegalArgumentException e) {
      // a stored value from elsewhere that the rules refuse when set: keep the broker's
    }
    return new TopicCompression(
        c,
        intOr(overrides.get("compression.gzip.level"), gzipLevel),
        intOr(overrides.get("compression.lz4.level"), lz4Level),
        intOr(overrides.get("compression.zstd.level"), zstdLevel));
  }

  /** True if a batch compressed with {@code sourceCodec} must be rewritten into this topic's codec. */
  public boolean rewrites(int sourceCodec) {
    return codec != PRODUCER && codec != sourceCodec;
  }

  /** The Kafka client library's writer of this codec at this codec's level; not for {@link #PRODUCER}. */
  public Compression compression() {
    return switch (codec) {
      case 0 -> Compression.NONE;
      case 1 -> Compression.gzip().level(gzipLevel).build();
      case 2 -> Compression.snappy().build();
      case 3 -> Compression.lz4().level(lz4Level).build();
      case 4 -> Compression.zstd().level(zstdLevel).build();
      default -> throw new IllegalStateException("compression.type=producer keeps each batch's own codec");
    };
  }

  /** The {@code compression.type} name of this codec. */
  public String typeName() {
    return switch (codec) {
      case PRODUCER -> "producer";
      case 0 -> "uncompressed";
      case 1 -> "gzip";
      case 2 -> "snappy";
      case 3 -> "lz4";
      case 4 -> "zstd";
      default -> "codec " + codec;
    };
  }

  private static int codecOf(String type) {
    return switch (type.trim().toLowerCase(Locale.ROOT)) {
      case "producer" -> PRODUCER;
      case "uncompressed" -> 0;
      case "gzip" -> 1;
      case "snappy" -> 2;
      case "lz4" -> 3;
      case "zstd" -> 4;
      default -> throw new IllegalArgumentException("unknown compression.type " + type);
    };
  }

  private static int intOr(String v, int dflt) {
    try {
      return v == null ? dflt : Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      return dflt;
    }
  }
}
