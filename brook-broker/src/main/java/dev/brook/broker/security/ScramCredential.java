package dev.brook.broker.security;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the broker keeps of a SCRAM password (RFC 5802): the salt, StoredKey = H(ClientKey), ServerKey
 * and the iteration count; never the password. Text form as Kafka keeps it in ZooKeeper:
 * {@code salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>}.
 */
public record ScramCredential(byte[] salt, byte[] storedKey, byte[] serverKey, int iterations) {

  public String toText() {
    Base64.Encoder b = Base64.getEncoder();
    return "salt=" + b.encodeToString(salt) + ",stored_key=" + b.encodeToString(storedKey)
        + ",server_key=" + b.encodeToString(serverKey) + ",iterations=" + iterations;
  }

  /** Parses {@link #toText()}'s form; throws IllegalArgumentException when a field is missing. */
  public static ScramCredential fromText(String text) {
    Map<String, String> f = new LinkedHashMap<>();
    for (String part : text.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) f.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
    }
    Base64.Decoder d = Base64.getDecoder();
    for (String k : new String[] {"salt", "stored_key", "server_key", "iterations"}) {
      if (!f.containsKey(k)) throw new IllegalArgumentException("SCRAM credential without " + k);
    }
    return new ScramCredential(d.decode(f.get("salt")), d.decode(f.get("stored_key")), d.decode(f.get("server_key")),
        Integer.parseInt(f.get("iterations")));
  }

  @Override
  public String toString() {
    return "ScramCredential[iterations=" + iterations + "]";
  }
}
