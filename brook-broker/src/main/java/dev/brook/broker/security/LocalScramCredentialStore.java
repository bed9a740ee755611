package dev.brook.broker.security;

import dev.brook.broker.cluster.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The single node's SCRAM credentials: {@code <log.dir>/scram-credentials.properties}, beside the
 * metadata file, rewritten whole and atomically on every change ({@link AtomicFiles}). Format
 * ({@code java.util.Properties}): {@code <user>.<mechanism>=salt=…,stored_key=…,server_key=…,iterations=…}
 * (the user name is escaped by Properties; the mechanism is the last dot-separated part). Kept out of
 * the topic metadata file so that credentials and topics change independently. Thread-safe: writers
 * serialize on the store; readers see the last published map.
 */
public final class LocalScramCredentialStore implements ScramCredentialStore {
  public static final String FILE_NAME = "scram-credentials.properties";

  private final Path file;
  private volatile Map<String, Map<ScramMechanism, ScramCredential>> users;

  private LocalScramCredentialStore(Path file, Map<String, Map<ScramMechanism, ScramCredential>> users) {
    this.file = file;
    this.users = users;
  }

  public static LocalScramCredentialStore open(Path logDir) throws IOException {
    Path file = logDir.resolve(FILE_NAME);
    Files.deleteIfExists(logDir.resolve(FILE_NAME + ".tmp"));
    Map<String, Map<ScramMechanism, ScramCredential>> users = new TreeMap<>();
    if (Files.exists(file)) {
      Properties p = new Properties();
      p.load(new StringReader(Files.readString(file, StandardCharsets.ISO_8859_1)));
      for (String k : p.stringPropertyNames()) {
        int dot = k.lastIndexOf('.');
        Optional<ScramMechanism> m = dot > 0 ? ScramMechanism.forName(k.substring(dot + 1)) : Optional.empty();
        if (m.isEmpty()) throw new IOException(file + ": unexpected key " + k);
        users.computeIfAbsent(k.substring(0, dot), u -> new EnumMap<>(ScramMechanism.class))
            .put(m.get(), ScramCredential.fromText(p.getProperty(k)));
      }
    }
    return new LocalScramCredentialStore(file, users);
  }

  @Override
  public Optional<ScramCredential> credential(String user, ScramMechanism mechanism) {
    return Optional.ofNullable(users.getOrDefault(user, Map.of()).get(mechanism));
  }

  @Override
  public Map<String, Map<ScramMechanism, ScramCredential>> all() {
    return Collections.unmodifiableMap(users);
  }

  @Override
  public synchronized void alter(String user, ScramMechanism mechanism, ScramCredential credential) throws IOException {
    Map<String, Map<ScramMechanism, ScramCredential>> next = new TreeMap<>();
    users.forEach((u, m) -> next.put(u, new EnumMap<>(m)));
    Map<ScramMechanism, ScramCredential> mine = next.computeIfAbsent(user, u -> new EnumMap<>(ScramMechanism.class));
    if (credential == null) mine.remove(mechanism);
    else mine.put(mechanism, credential);
    if (mine.isEmpty()) next.remove(user);
    Properties p = new Properties();
    next.forEach((u, m) -> m.forEach((mech, c) -> p.setProperty(u + "." + mech.mechanismName(), c.toText())));
    StringWriter w = new StringWriter();
    p.store(w, "Brook SCRAM credentials");
    AtomicFiles.write(file, w.toString().getBytes(StandardCharsets.ISO_8859_1));
    users = next;
  }
}
