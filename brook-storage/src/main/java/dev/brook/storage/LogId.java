package dev.brook.storage;

/**
 * The name of one partition's log: a topic and a partition number. Its directory under a log dir is
 * {@code <topic>-<partition>}.
 */
public record LogId(String topic, int partition) {
  public String dirName() {
    return topic + "-" + partition;
  }

  /** Parses a directory name {@code <topic>-<partition>}; topics may contain '-'. */
  public static LogId parseDirName(String name) {
    int dash = name.lastIndexOf('-');
    if (dash <= 0 || dash == name.length() - 1) {
      throw new IllegalArgumentException("not a partition directory: " + name);
    }
    return new LogId(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1)));
  }

  @Override
  public String toString() {
    return dirName();
  }
}
