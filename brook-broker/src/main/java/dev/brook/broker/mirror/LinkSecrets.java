package dev.brook.broker.mirror;

import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.PasswordEncoder;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How a link store keeps a link's secrets at rest: every setting {@link MirrorLink#isSensitive} names
 * ({@code sasl.jaas.config}, {@code *password*}) is stored encrypted with {@code
 * password.encoder.secret} ({@link PasswordEncoder}); the other settings in clear. A link with a
 * secret cannot be stored on a broker without that secret ({@link #checkStorable}). Values stored in
 * clear by an older Brook are read as they are and encrypted at the next write. Immutable.
 */
public final class LinkSecrets {
  private final Optional<PasswordEncoder> encoder;

  public LinkSecrets(Optional<PasswordEncoder> encoder) {
    this.encoder = encoder;
  }

  /** No secret configured: links without passwords only. */
  public static LinkSecrets none() {
    return new LinkSecrets(Optional.empty());
  }

  /** Throws {@link ConfigException} naming {@code password.encoder.secret} if {@code link} holds a secret this store cannot encrypt. */
  public void checkStorable(MirrorLink link) {
    if (encoder.isPresent()) return;
    for (String k : link.configs().keySet()) {
      if (MirrorLink.isSensitive(k)) {
        throw new ConfigException(PasswordEncoder.SECRET, "is not set on this broker: the link's " + k
            + " would be stored in clear; set " + PasswordEncoder.SECRET + " (the same on every broker) to store links with passwords");
      }
    }
  }

  /** The settings as stored: secrets encrypted (a secret without an encoder, only from an older store, stays as it was). */
  public Map<String, String> seal(MirrorLink link) {
    Map<String, String> out = new HashMap<>(link.configs());
    if (encoder.isEmpty()) return out;
    out.replaceAll((k, v) -> MirrorLink.isSensitive(k) && !PasswordEncoder.isEncoded(v) ? encoder.get().encode(v) : v);
    return out;
  }

  /** The link with its secrets decrypted; throws {@link ConfigException} when a secret cannot be. */
  public MirrorLink open(String name, Map<String, String> stored) {
    Map<String, String> out = new HashMap<>(stored);
    for (Map.Entry<String, String> e : out.entrySet()) {
      if (!PasswordEncoder.isEncoded(e.getValue())) continue;
      if (encoder.isEmpty()) {
        throw new ConfigException(PasswordEncoder.SECRET, "is not set, but cluster link " + name + "'s " + e.getKey()
            + " is stored encrypted");
      }
      e.setValue(encoder.get().decode(e.getValue()));
    }
    return new MirrorLink(name, out);
  }
}
