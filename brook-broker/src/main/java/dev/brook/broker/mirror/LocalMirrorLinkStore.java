package dev.brook.broker.mirror;

import dev.brook.broker.cluster.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A single node's cluster links: {@code mirror-links.properties} in the first log directory, one
 * line per link setting, {@code link.<name>/<key>=<value>} (a link's name may hold dots but never a
 * {@code '/'}; secrets encrypted, {@link LinkSecrets}), rewritten whole and atomically on every
 * change (links change rarely, by an administrator).
 * Thread-safe: writers serialize on the store; readers take the published map.
 */
public final class LocalMirrorLinkStore implements MirrorLinkStore {
  public static final String FILE = "mirror-links.properties";

  private final Path file;
  private final LinkSecrets secrets;
  private volatile Map<String, MirrorLink> links;

  /** Reads the links; a stored secret that cannot be decrypted fails this naming {@code password.encoder.secret}. */
  public LocalMirrorLinkStore(Path logDir, LinkSecrets secrets) throws IOException {
    this.file = logDir.resolve(FILE);
    this.secrets = secrets;
    this.links = read(file, secrets);
  }

  private static Map<String, MirrorLink> read(Path file, LinkSecrets secrets) throws IOException {
    if (!Files.exists(file)) return Map.of();
    Properties p = new Properties();
    p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
    Map<String, Map<String, String>> byLink = new TreeMap<>();
    for (String k : p.stringPropertyNames()) {
      if (!k.startsWith("link.") || k.indexOf('/') < 0) continue;
      String name = k.substring(5, k.indexOf('/'));
      byLink.computeIfAbsent(name, n -> new HashMap<>()).put(k.substring(k.indexOf('/') + 1), p.getProperty(k));
    }
    Map<String, MirrorLink> out = new TreeMap<>();
    byLink.forEach((name, configs) -> out.put(name, secrets.open(name, configs)));
    return Map.copyOf(out);
  }

  @Override
  public Map<String, MirrorLink> links() {
    return links;
  }

  @Override
  public void checkStorable(MirrorLink link) {
    secrets.checkStorable(link);
  }

  @Override
  public synchronized void put(MirrorLink link) throws IOException {
    secrets.checkStorable(link);
    Map<String, MirrorLink> next = new TreeMap<>(links);
    next.put(link.name(), link);
    write(next);
  }

  @Override
  public synchronized boolean delete(String name) throws IOException {
    if (!links.containsKey(name)) return false;
    Map<String, MirrorLink> next = new TreeMap<>(links);
    next.remove(name);
    write(next);
    return true;
  }

  private void write(Map<String, MirrorLink> next) throws IOException {
    Properties p = new Properties();
    p.setProperty("version", "1");
    for (MirrorLink l : next.values()) secrets.seal(l).forEach((k, v) -> p.setProperty("link." + l.name() + "/" + k, v));
    StringWriter w = new StringWriter();
    p.store(w, "Brook cluster links (mirror topics); written by the broker");
    AtomicFiles.write(file, w.toString().getBytes(StandardCharsets.UTF_8));
    links = Map.copyOf(next);
  }
}
