package dev.brook.broker.quota;

import dev.brook.broker.cluster.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A single node's client quotas: {@code client-quotas.properties} in the first log directory, one
 * line per entity and quota ({@code user=alice,client-id=app/producer_byte_rate=1048576}; names
 * URL-encoded), replaced atomically on every change.
 */
public final class FileClientQuotaStore implements ClientQuotaStore {
  static final String FILE = "client-quotas.properties";

  private final Path file;
  private final CopyOnWriteArrayList<Consumer<ClientQuotaConfigs>> listeners = new CopyOnWriteArrayList<>();
  private ClientQuotaConfigs current;

  public FileClientQuotaStore(Path logDir) throws IOException {
    this.file = logDir.resolve(FILE);
    this.current = read();
  }

  @Override
  public synchronized ClientQuotaConfigs load() {
    return current;
  }

  @Override
  public void alter(Map<QuotaEntity, Map<QuotaType, OptionalDouble>> changes) throws IOException {
    ClientQuotaConfigs next;
    synchronized (this) {
      next = QuotaChanges.apply(current, changes);
      write(next);
      current = next;
    }
    for (Consumer<ClientQuotaConfigs> l : listeners) l.accept(next);
  }

  @Override
  public void onChange(Consumer<ClientQuotaConfigs> listener) {
    listeners.add(listener);
  }

  private ClientQuotaConfigs read() throws IOException {
    if (!Files.exists(file)) return ClientQuotaConfigs.EMPTY;
    Properties p = new Properties();
    p.load(new StringReader(Files.readString(file)));
    Map<QuotaEntity, Map<QuotaType, Double>> out = new HashMap<>();
    for (String key : p.stringPropertyNames()) {
      int slash = key.lastIndexOf('/');
      QuotaType type = QuotaType.forKey(key.substring(slash + 1))
          .orElseThrow(() -> new IOException(file + ": unknown quota in " + key));
      out.computeIfAbsent(entity(key.substring(0, slash)), e -> new HashMap<>())
          .put(type, Double.parseDouble(p.getProperty(key)));
    }
    return new ClientQuotaConfigs(out);
  }

  private void write(ClientQuotaConfigs configs) throws IOException {
    Properties p = new Properties();
    configs.all().forEach((e, quotas) -> quotas.forEach((t, v) -> p.setProperty(name(e) + "/" + t.key(), Double.toString(v))));
    StringWriter w = new StringWriter();
    p.store(w, "Client quotas (AlterClientQuotas); written by Brook");
    AtomicFiles.write(file, w.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static String name(QuotaEntity e) {
    StringBuilder sb = new StringBuilder();
    if (e.user() != null) sb.append("user=").append(URLEncoder.encode(e.user(), StandardCharsets.UTF_8));
    if (e.clientId() != null) {
      if (!sb.isEmpty()) sb.append(',');
      sb.append("client-id=").append(URLEncoder.encode(e.clientId(), StandardCharsets.UTF_8));
    }
    return sb.toString();
  }

  private static QuotaEntity entity(String name) {
    String user = null;
    String client = null;
    for (String part : name.split(",")) {
      String value = URLDecoder.decode(part.substring(part.indexOf('=') + 1), StandardCharsets.UTF_8);
      if (part.startsWith("user=")) user = value;
      else if (part.startsWith("client-id=")) client = value;
    }
    return new QuotaEntity(user, client);
  }
}
