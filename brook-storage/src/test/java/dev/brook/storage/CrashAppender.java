package dev.brook.storage;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Child-JVM program for {@link ProcessKillTest}: opens a log manager on {@code args[0]} (recovering
 * after a previous kill) and appends one batch after another until it is killed, printing "offset
 * value ." for every append after it returned (the acknowledgement).
 */
public final class CrashAppender {
  static final LogConfig CONFIG = LogConfig.defaults().withSegmentBytes(32 * 1024).withIndexIntervalBytes(512).withSegmentIndexBytes(4096);
  static final LogId ID = new LogId("kill", 0);

  private CrashAppender() {}

  public static void main(String[] args) throws Exception {
    Path logDir = Path.of(args[0]);
    String prefix = args[1];
    LogManager m = LogManager.open(logDir, CONFIG, Clock.SYSTEM);
    PartitionLog log = m.getOrCreate(ID, CONFIG);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, "UTF-8");
    out.println("READY " + log.logEndOffset());
    out.flush();
    for (long n = 0; ; n++) {
      String value = prefix + "-" + n;
      AppendResult r = log.appendAsLeader(Batches.batch(System.currentTimeMillis(), value, value + "+"), 0);
      out.println(r.firstOffset() + " " + value + " .");
      out.flush();
    }
  }
}
