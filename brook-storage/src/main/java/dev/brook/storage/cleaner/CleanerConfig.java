package dev.brook.storage.cleaner;

/**
 * The broker-wide settings of the log cleaner (Kafka's names).
 *
 * @param enable log.cleaner.enable
 * @param threads log.cleaner.threads
 * @param dedupeBufferSize log.cleaner.dedupe.buffer.size, split evenly between the threads
 * @param ioBufferLoadFactor log.cleaner.io.buffer.load.factor: how full an offset map may get
 * @param ioBufferSize log.cleaner.io.buffer.size: read buffer per thread (grows for larger batches)
 * @param ioMaxBytesPerSecond log.cleaner.io.max.bytes.per.second, for all threads together
 * @param backoffMs log.cleaner.backoff.ms: sleep when no log needs cleaning
 */
public record CleanerConfig(
    boolean enable,
    int threads,
    long dedupeBufferSize,
    double ioBufferLoadFactor,
    int ioBufferSize,
    double ioMaxBytesPerSecond,
    long backoffMs) {

  public CleanerConfig {
    if (threads < 0 || dedupeBufferSize < OffsetMap.SLOT_BYTES || ioBufferSize <= 0 || backoffMs < 0
        || !(ioMaxBytesPerSecond > 0) || !(ioBufferLoadFactor > 0 && ioBufferLoadFactor <= 1)) {
      throw new IllegalArgumentException("invalid cleaner config: " + this);
    }
  }

  /** Kafka's defaults. */
  public static CleanerConfig defaults() {
    return new CleanerConfig(true, 1, 128L * 1024 * 1024, 0.9, 512 * 1024, Double.MAX_VALUE, 15_000);
  }

  /** Bytes of offset map for each thread (Kafka caps a map at 2 GiB). */
  public int mapBytesPerThread() {
    return (int) Math.min(Integer.MAX_VALUE - 64, dedupeBufferSize / Math.max(1, threads));
  }

  public CleanerConfig withDedupeBufferSize(long bytes) {
    return new CleanerConfig(enable, threads, bytes, ioBufferLoadFactor, ioBufferSize, ioMaxBytesPerSecond, backoffMs);
  }

  public CleanerConfig withIoMaxBytesPerSecond(double rate) {
    return new CleanerConfig(enable, threads, dedupeBufferSize, ioBufferLoadFactor, ioBufferSize, rate, backoffMs);
  }

  public CleanerConfig withThreads(int n) {
    return new CleanerConfig(enable, n, dedupeBufferSize, ioBufferLoadFactor, ioBufferSize, ioMaxBytesPerSecond, backoffMs);
  }

  public CleanerConfig withBackoffMs(long ms) {
    return new CleanerConfig(enable, threads, dedupeBufferSize, ioBufferLoadFactor, ioBufferSize, ioMaxBytesPerSecond, ms);
  }
}
