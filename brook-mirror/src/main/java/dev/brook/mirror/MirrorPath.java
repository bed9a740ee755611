package dev.brook.mirror;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How a flow's records travel from source to target inside its target transactions: {@link
 * ClientPath} (a read_committed KafkaConsumer feeding a transactional KafkaProducer, record by
 * record; any security settings) or {@link BatchPath} (whole record batches fetched and produced in
 * protocol requests, only their headers rewritten; PLAINTEXT clusters). {@link MirrorFlow}'s session
 * decides what goes into each transaction and when it commits; a path only moves what it is given.
 *
 * <p>A transaction's lifecycle on a path: {@link #poll} (opens one when records arrive) or {@link
 * #beginTransaction}, then {@link #syncs}, {@link #send}, {@link #sendPositions}, {@link #commit}.
 * Any exception leaves the transaction open; the flow then closes the path and a new one's {@link
 * #initTransactions} aborts it. Used by the flow's thread only, except {@link #wakeup}.
 */
interface MirrorPath extends AutoCloseable {
  /** Fences any earlier producer of the flow's transactional id and aborts its open transaction. */
  void initTransactions() throws Exception;

  /**
   * Mirrors the source partitions of {@code mirrored} (source to target partition) from now on.
   * Each partition of {@code added} starts at {@code start}'s offset for it, or at its log start
   * when it has none; partitions mirrored before keep their position.
   */
  void assign(Map<TopicPartition, TopicPartition> mirrored, Set<TopicPartition> added, Map<TopicPartition, Long> start) throws Exception;

  /**
   * Reads what the source has, waiting up to {@code wait} when nothing is there, and sends it to
   * the target in the open transaction (opening one when there are records). Returns the number of
   * records sent.
   */
  int poll(Duration wait) throws Exception;

  /** The source offset up to which (not including) everything read has been sent. */
  long position(TopicPartition source) throws Exception;

  /** Opens a transaction unless one is open. */
  void beginTransaction();

  /**
   * Waits until every record sent in this transaction has its target offset, and returns the
   * offset syncs for them: both ends of every run whose source and target offsets are both
   * consecutive (see {@link OffsetTranslation}).
   */
  List<Mm2Formats.OffsetSync> syncs() throws Exception;

  /** Sends one record to partition 0 of {@code topic} in the open transaction; done by {@link #commit} at the latest. */
  Future<RecordMetadata> send(String topic, byte[] key, byte[] value) throws Exception;

  /** The flow's source positions (by target partition) commit with the transaction as {@code group}'s offsets. */
  void sendPositions(Map<TopicPartition, Long> byTarget, String group) throws Exception;

  /** Commits the open transaction. */
  void commit() throws Exception;

  /** Makes a {@link #poll} in progress return soon (any thread). */
  void wakeup();

  @Override
  void close();
}
