/**
 * The partition log: Brook's storage engine. It knows record batches (Kafka's v2 format), offsets,
 * files and time; nothing of sockets, requests or ZooKeeper.
 *
 * <h2>On disk</h2>
 *
 * <pre>
 * &lt;log.dir&gt;/
 *   recovery-point-offset-checkpoint   "0\n&lt;n&gt;\n&lt;topic&gt; &lt;partition&gt; &lt;offset&gt;\n"...  (LogManager)
 *   log-start-offset-checkpoint        same format
 *   replication-offset-checkpoint      same format: high watermarks
 *   .kafka_cleanshutdown               present only between a clean close and the next open
 *   __cluster_metadata-0/              only in a log dir Kafka (4.x, KRaft) used: Kafka's metadata
 *                                      log, read once by the broker's import, never opened as a log
 *   &lt;topic&gt;-&lt;partition&gt;/
 *     00000000000000000000.log         whole v2 batches, offsets assigned, as received
 *     00000000000000000000.index       (relative offset int32, position int32) every index.interval.bytes
 *     00000000000000000000.timeindex   (timestamp int64, relative offset int32) when the max grows
 *     00000000000000000000.txnindex    aborted transactions whose ABORT marker is in the segment (34 B
 *                                      each: version, producer id, first, last, last stable offset);
 *                                      only once there is one
 *     00000000000000368769.snapshot    producer state as of that offset, bytes the broker serializes;
 *                                      taken at each roll (and clean shutdown), the newest 3 kept
 *     leader-epoch-checkpoint          "0\n&lt;n&gt;\n&lt;epoch&gt; &lt;start offset&gt;\n"...
 *     *.cleaned / *.swap / *.deleted   transient: a segment swap or deletion in progress
 * </pre>
 *
 * <h2>Crash safety</h2>
 *
 * <ul>
 *   <li>Checkpoints are written to a temp file, fsynced and renamed.
 *   <li>The active segment's indexes are preallocated and trimmed on roll and close; an untrimmed
 *       or otherwise implausible index is rebuilt from the log, never trusted.
 *   <li>After an unclean stop every segment from the one holding the recovery point is read batch
 *       by batch (sizes, magic, increasing offsets, CRC32C); the first bad batch ends the log and
 *       later segments are removed.
 *   <li>A segment swap (the cleaner) goes {@code .cleaned} → fsync → {@code .swap} → old segments
 *       {@code .deleted} → final names; open removes {@code .cleaned}/{@code .deleted} files and
 *       completes any {@code .swap}. The {@code .txnindex}, which the log alone cannot rebuild,
 *       goes {@code .swap} before the log file, so a {@code .log.swap} always has its index.
 *   <li>A {@code .txnindex} loses at most entries past the log's end after a crash (recovery trims
 *       them; a torn entry is cut on open); the entries a crash lost are re-added by the broker's
 *       producer-state replay, which starts at the newest snapshot.
 *   <li>A producer-state snapshot is written (temp, fsync, rename) only after the rolled segment
 *       below it is fsynced, so after any crash the newest snapshot at or below the recovered log
 *       end is valid and the replay after it is short; those above the recovered end are removed.
 * </ul>
 *
 * <p>Entry points: {@link dev.brook.storage.LogManager} (all logs of a log dir) and {@link
 * dev.brook.storage.PartitionLog} (one partition), implemented by {@link
 * dev.brook.storage.SegmentedLog}.
 */
package dev.brook.storage;
