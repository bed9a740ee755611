package dev.brook.mirror;

/** A mistake in the mirror's configuration, told in one line that names the key. */
public final class MirrorConfigException extends RuntimeException {
  public MirrorConfigException(String message) {
    super(message, null, false, false);
  }
}
