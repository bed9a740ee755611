package dev.brook.broker.config;

/** A configuration mistake; its message is one line that names the key and what is wrong. */
public final class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
