package dev.brook.broker.cluster;

import dev.brook.broker.security.Acl;
import dev.brook.broker.security.AclStore;
import dev.brook.broker.security.Operation;
import dev.brook.broker.security.PatternType;
import dev.brook.broker.security.Permission;
import dev.brook.broker.security.ResourceType;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A single node's ACLs, in the file {@value #FILE_NAME} of the first log directory, beside the
 * topic metadata. One ACL per line: {@code resourceType patternType name principal host operation
 * permission}, space separated, the name and principal URL-encoded (a group name may hold any
 * character). The file is replaced atomically (written aside, fsynced, renamed) on every change, so
 * a crash leaves the old set or the new one. Writers are serialized by this object's lock.
 */
public final class LocalAclStore implements AclStore {
  public static final String FILE_NAME = "acls";

  private final Path file;
  private volatile Set<Acl> acls;
  private volatile Consumer<Collection<Acl>> listener = a -> {};

  private LocalAclStore(Path file, Set<Acl> acls) {
    this.file = file;
    this.acls = acls;
  }

  public static LocalAclStore open(Path logDir) throws IOException {
    Path file = logDir.resolve(FILE_NAME);
    return new LocalAclStore(file, Files.exists(file) ? read(file) : Set.of());
  }

  @Override
  public Collection<Acl> acls() {
    return acls;
  }

  @Override
  public synchronized void add(Collection<Acl> added) throws IOException {
    Set<Acl> next = new LinkedHashSet<>(acls);
    if (!next.addAll(added)) return;
    publish(next);
  }

  @Override
  public synchronized void remove(Collection<Acl> removed) throws IOException {
    Set<Acl> next = new LinkedHashSet<>(acls);
    if (!next.removeAll(removed)) return;
    publish(next);
  }

  private void publish(Set<Acl> next) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Acl a : next) {
      sb.append(a.resourceType()).append(' ').append(a.patternType()).append(' ').append(enc(a.name())).append(' ')
          .append(enc(a.principal())).append(' ').append(enc(a.host())).append(' ').append(a.operation()).append(' ')
          .append(a.permission()).append('\n');
    }
    AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    acls = Set.copyOf(next);
    listener.accept(acls);
  }

  @Override
  public void onChange(Consumer<Collection<Acl>> listener) {
    this.listener = listener;
    listener.accept(acls);
  }

  static Set<Acl> read(Path file) throws IOException {
    Set<Acl> out = new LinkedHashSet<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty()) continue;
      String[] f = line.split(" ");
      try {
        out.add(new Acl(ResourceType.valueOf(f[0]), PatternType.valueOf(f[1]), dec(f[2]), dec(f[3]), dec(f[4]),
            Operation.valueOf(f[5]), Permission.valueOf(f[6])));
      } catch (RuntimeException e) {
        throw new IOException(file + " line " + (i + 1) + " is not an ACL: " + line, e);
      }
    }
    return Set.copyOf(out);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String dec(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
