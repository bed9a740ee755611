package dev.brook.broker.security;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ConfigException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * Kafka's ACL authorizer semantics: a principal may do an operation on a resource if it is a
 * super user, or if no DENY rule that applies to it matches and an ALLOW rule does. A rule applies
 * when its principal is the requester's (or {@code User:*}), its host is the client's IP (or
 * {@code *}), and its pattern covers the resource (the literal name, the literal {@code *}, or a
 * prefix of the name). DENY needs the same operation or ALL; ALLOW also grants the implied ones
 * (DESCRIBE by READ, WRITE, DELETE, ALTER; DESCRIBE_CONFIGS by ALTER_CONFIGS; everything by ALL).
 * A resource no rule covers at all is allowed only with {@code allow.everyone.if.no.acl.found}.
 *
 * <p>Thread-safe: decisions read an immutable {@link AclIndex} through a volatile field and
 * allocate nothing; {@link #replaceAcls} (the ACL store's change thread) swaps the index.
 */
public final class Authorizer {
  /** The authorizer.class.name values that turn authorization on: Kafka's two and Brook's own. */
  public static final Set<String> CLASS_NAMES = Set.of(
      "kafka.security.authorizer.AclAuthorizer",
      "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
      Authorizer.class.getName());

  private final String[] superTypes;
  private final String[] superNames;
  private final boolean allowEveryoneIfNoAclFound;
  private volatile AclIndex index = AclIndex.EMPTY;
  /** Counts {@link #replaceAcls} calls; written after {@link #index}, see {@link #aclVersion}. */
  private volatile long aclVersion;

  public Authorizer(Collection<String> superUsers, boolean allowEveryoneIfNoAclFound) {
    this.superTypes = new String[superUsers.size()];
    this.superNames = new String[superUsers.size()];
    int i = 0;
    for (String s : superUsers) {
      int colon = s.indexOf(':');
      if (colon <= 0) throw new IllegalArgumentException("super user must be type:name, got " + s);
      superTypes[i] = s.substring(0, colon);
      superNames[i++] = s.substring(colon + 1);
    }
    this.allowEveryoneIfNoAclFound = allowEveryoneIfNoAclFound;
  }

  /**
   * The authorizer the config asks for, or null when {@code authorizer.class.name} is empty (no
   * authorization, Kafka's default). An unknown class name or a malformed super user is a startup
   * error naming its key.
   */
  public static Authorizer fromConfig(BrokerConfig config) {
    String className = config.getString("authorizer.class.name");
    if (className == null || className.isBlank()) return null;
    if (!CLASS_NAMES.contains(className.trim())) {
      throw new ConfigException("authorizer.class.name", className + " is not an authorizer Brook provides; use one of "
          + new java.util.TreeSet<>(CLASS_NAMES));
    }
    List<String> supers = new ArrayList<>();
    String raw = config.getString("super.users");
    if (raw != null) {
      for (String s : raw.split(";")) {
        String t = s.trim();
        if (t.isEmpty()) continue;
        int colon = t.indexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
          throw new ConfigException("super.users", "'" + t + "' is not a principal (type:name, e.g. User:admin)");
        }
        supers.add(t);
      }
    }
    return new Authorizer(supers, config.getBoolean("allow.everyone.if.no.acl.found"));
  }

  /** Replaces every rule at once (the store's full content after a change). */
  public synchronized void replaceAcls(Collection<Acl> acls) {
    this.index = new AclIndex(acls);
    this.aclVersion = aclVersion + 1; // after the swap: see aclVersion()
  }

  /**
   * The version of the rules, one more at each {@link #replaceAcls}: a decision cached under a
   * version still holds while the version is unchanged (super users and {@code
   * allow.everyone.if.no.acl.found} are fixed at startup). It moves only after the new rules are
   * in force, so a decision taken after reading version v was taken with rules at least as new as
   * v's: a cache may hold a decision a version too new, never one too old.
   */
  public long aclVersion() {
    return aclVersion;
  }

  /** Every rule now in force. */
  public List<Acl> acls() {
    return index.acls();
  }

  public boolean isSuperUser(KafkaPrincipal p) {
    for (int i = 0; i < superTypes.length; i++) {
      if (superNames[i].equals(p.getName()) && superTypes[i].equals(p.getPrincipalType())) return true;
    }
    return false;
  }

  /** Whether {@code principal}, connected from {@code host}, may do {@code op} on the named resource. */
  public boolean authorize(KafkaPrincipal principal, InetAddress host, Operation op, ResourceType type, String name) {
    if (isSuperUser(principal)) return true;
    return allowedByRules(index.rules(type), principal.getPrincipalType(), principal.getName(), host, op, name);
  }

  private boolean allowedByRules(AclIndex.TypeRules rules, String pType, String pName, InetAddress host,
      Operation op, String name) {
    AclIndex.Rule[] literal = rules.literal.get(name);
    if (literal == null) literal = AclIndex.NONE;
    AclIndex.Rule[] wildcard = rules.wildcard;
    // DENY first: any applicable DENY wins over every ALLOW.
    if (denies(literal, pType, pName, host, op) || denies(wildcard, pType, pName, host, op)
        || prefixRuleMatches(rules, name, pType, pName, host, op, true)) {
      return false;
    }
    boolean anyRule = literal.length > 0 || wildcard.length > 0 || rules.coveredByPrefix(name);
    if (!anyRule) return allowEveryoneIfNoAclFound;
    return allows(literal, pType, pName, host, op) || allows(wildcard, pType, pName, host, op)
        || prefixRuleMatches(rules, name, pType, pName, host, op, false);
  }

  /** Whether a DENY (or ALLOW) rule of a prefix of {@code name} applies. */
  private static boolean prefixRuleMatches(AclIndex.TypeRules rules, String name, String pType, String pName,
      InetAddress host, Operation op, boolean deny) {
    int len = name.length();
    while (true) {
      int i = rules.longestPrefix(name, len);
      if (i < 0) return false;
      AclIndex.Rule[] r = rules.prefixRules[i];
      if (deny ? denies(r, pType, pName, host, op) : allows(r, pType, pName, host, op)) return true;
      len = rules.prefixes[i].length() - 1;
    }
  }

  private static boolean denies(AclIndex.Rule[] rules, String pType, String pName, InetAddress host, Operation op) {
    for (AclIndex.Rule r : rules) {
      if (r.deny && (r.operation == op || r.operation == Operation.ALL) && r.appliesTo(pType, pName, host)) return true;
    }
    return false;
  }

  private static boolean allows(AclIndex.Rule[] rules, String pType, String pName, InetAddress host, Operation op) {
    for (AclIndex.Rule r : rules) {
      if (!r.deny && r.operation.allows(op) && r.appliesTo(pType, pName, host)) return true;
    }
    return false;
  }

  /**
   * Whether {@code principal} may do {@code op} on at least one resource of {@code type} (Kafka's
   * authorizeByResourceType, used for InitProducerId without a transactional id: WRITE on any
   * topic). Super users may; a DENY on literal {@code *} forbids; otherwise an ALLOW on {@code *},
   * or on a literal or prefix no DENY literal/prefix covers, allows.
   */
  public boolean authorizeByResourceType(KafkaPrincipal principal, InetAddress host, Operation op, ResourceType type) {
    // As Kafka's default: a hard-coded name first, so super users and allow.everyone.if.no.acl.found count.
    if (authorize(principal, host, op, type, "hardcode")) return true;
    AclIndex.TypeRules rules = index.rules(type);
    String pType = principal.getPrincipalType();
    String pName = principal.getName();
    if (matchesExactly(rules.wildcard, pType, pName, host, op, true)) return false;
    if (matchesExactly(rules.wildcard, pType, pName, host, op, false)) return true;
    for (var e : rules.literal.entrySet()) {
      if (!matchesExactly(e.getValue(), pType, pName, host, op, false)) continue;
      if (matchesExactly(e.getValue(), pType, pName, host, op, true)) continue;
      if (!deniedByPrefix(rules, e.getKey(), pType, pName, host, op)) return true;
    }
    for (int i = 0; i < rules.prefixes.length; i++) {
      if (matchesExactly(rules.prefixRules[i], pType, pName, host, op, false)
          && !deniedByPrefix(rules, rules.prefixes[i], pType, pName, host, op)) {
        return true;
      }
    }
    return false;
  }

  private static boolean deniedByPrefix(AclIndex.TypeRules rules, String name, String pType, String pName,
      InetAddress host, Operation op) {
    for (int i = 0; i < rules.prefixes.length; i++) {
      if (name.startsWith(rules.prefixes[i]) && matchesExactly(rules.prefixRules[i], pType, pName, host, op, true)) {
        return true;
      }
    }
    return false;
  }

  /** A rule of that permission for exactly {@code op} or ALL (no implication, as Kafka's by-type check). */
  private static boolean matchesExactly(AclIndex.Rule[] rules, String pType, String pName, InetAddress host,
      Operation op, boolean deny) {
    for (AclIndex.Rule r : rules) {
      if (r.deny == deny && (r.operation == op || r.operation == Operation.ALL) && r.appliesTo(pType, pName, host)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The authorized-operations bit field for one resource: bit {@code op.code()} set for each
   * operation of the resource's type the principal may do.
   */
  public int authorizedOperations(KafkaPrincipal principal, InetAddress host, ResourceType type, String name) {
    int bits = 0;
    for (Operation op : type.operations()) {
      if (authorize(principal, host, op, type, name)) bits |= 1 << op.code();
    }
    return bits;
  }

  /** The rules a DescribeAcls filter selects. */
  public List<Acl> acls(AclFilter filter) {
    List<Acl> out = new ArrayList<>();
    for (Acl a : index.acls()) if (filter.matches(a)) out.add(a);
    return out;
  }
}
