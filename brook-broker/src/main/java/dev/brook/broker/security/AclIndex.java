package dev.brook.broker.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable snapshot of every ACL, indexed for the request path: per resource type, the literal
 * rules by name, the {@code *} rules, and the prefixed rules. Finding the rules that apply to one
 * resource is a hash lookup plus binary searches of that type's prefixes; nothing is allocated. Rebuilt
 * whole on every change (changes are rare; reads are every request). The prefixes are sorted, so
 * the ones that cover a name are found by binary search, not by a scan.
 */
final class AclIndex {
  static final Rule[] NONE = new Rule[0];
  static final AclIndex EMPTY = new AclIndex(List.of()); // after NONE, which building it uses

  /** One rule in the form the request path compares: principal split, host parsed once. */
  static final class Rule {
    final boolean anyPrincipal;
    final String principalType;
    final String principalName;
    /** Null when the rule is for every host ({@code *}) or names no IP address (never matches). */
    final InetAddress host;
    final boolean anyHost;
    final Operation operation;
    final boolean deny;

    Rule(Acl acl) {
      this.anyPrincipal = acl.principal().equals(Acl.WILDCARD_PRINCIPAL);
      int colon = acl.principal().indexOf(':');
      this.principalType = acl.principal().substring(0, colon);
      this.principalName = acl.principal().substring(colon + 1);
      this.anyHost = acl.host().equals(Acl.WILDCARD_HOST);
      this.host = anyHost ? null : ipLiteral(acl.host());
      this.operation = acl.operation();
      this.deny = acl.permission() == Permission.DENY;
    }

    boolean appliesTo(String type, String name, InetAddress from) {
      if (!anyPrincipal && !(principalName.equals(name) && principalType.equals(type))) return false;
      return anyHost || (host != null && host.equals(from));
    }
  }

  /** The rules of one resource type. */
  static final class TypeRules {
    final Map<String, Rule[]> literal;
    final Rule[] wildcard;
    /** Parallel arrays, sorted by prefix. */
    final String[] prefixes;
    final Rule[][] prefixRules;

    TypeRules(Map<String, Rule[]> literal, Rule[] wildcard, String[] prefixes, Rule[][] prefixRules) {
      this.literal = literal;
      this.wildcard = wildcard;
      this.prefixes = prefixes;
      this.prefixRules = prefixRules;
    }

    /** Whether some prefix rule covers {@code name}. */
    boolean coveredByPrefix(String name) {
      return longestPrefix(name, name.length()) >= 0;
    }

    /**
     * The index of the longest prefix in {@link #prefixes} that is a prefix of {@code name}'s first
     * {@code len} characters, or -1. O(log n) comparisons per step and at most one step per
     * character, nothing allocated: the floor of the name's head in the sorted prefixes is either
     * a prefix of it (the longest) or shares only {@code l} characters with it, and then every
     * prefix of it is at most {@code l} long.
     */
    int longestPrefix(String name, int len) {
      while (len >= 0 && prefixes.length > 0) {
        int i = floor(name, len);
        if (i < 0) return -1;
        String p = prefixes[i];
        int l = commonLength(p, name, len);
        if (l == p.length()) return i;
        len = l;
        if (l == 0) return prefixes[0].isEmpty() ? 0 : -1;
      }
      return -1;
    }

    /** The largest i with prefixes[i] <= name[0, len), or -1. */
    private int floor(String name, int len) {
      int lo = 0;
      int hi = prefixes.length - 1;
      int found = -1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (compare(prefixes[mid], name, len) <= 0) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return found;
    }

    private static int compare(String p, String name, int len) {
      int n = Math.min(p.length(), len);
      for (int k = 0; k < n; k++) {
        int d = p.charAt(k) - name.charAt(k);
        if (d != 0) return d;
      }
      return p.length() - len;
    }

    private static int commonLength(String p, String name, int len) {
      int n = Math.min(p.length(), len);
      int k = 0;
      while (k < n && p.charAt(k) == name.charAt(k)) k++;
      return k;
    }

    boolean isEmpty() {
      return literal.isEmpty() && wildcard.length == 0 && prefixes.length == 0;
    }
  }

  private final List<Acl> acls;
  private final TypeRules[] byType;

  AclIndex(Collection<Acl> acls) {
    this.acls = List.copyOf(acls);
    this.byType = new TypeRules[ResourceType.values().length];
    for (ResourceType t : ResourceType.values()) byType[t.ordinal()] = build(t, this.acls);
  }

  private static TypeRules build(ResourceType type, List<Acl> acls) {
    Map<String, List<Rule>> literal = new HashMap<>();
    List<Rule> wildcard = new ArrayList<>();
    TreeMap<String, List<Rule>> prefixed = new TreeMap<>();
    for (Acl a : acls) {
      if (a.resourceType() != type) continue;
      Rule r = new Rule(a);
      if (a.patternType() == PatternType.PREFIXED) {
        prefixed.computeIfAbsent(a.name(), k -> new ArrayList<>()).add(r);
      } else if (a.name().equals(Acl.WILDCARD_RESOURCE)) {
        wildcard.add(r);
      } else {
        literal.computeIfAbsent(a.name(), k -> new ArrayList<>()).add(r);
      }
    }
    Map<String, Rule[]> lit = new HashMap<>();
    literal.forEach((k, v) -> lit.put(k, v.toArray(NONE)));
    String[] prefixes = prefixed.keySet().toArray(new String[0]);
    Rule[][] prefixRules = new Rule[prefixes.length][];
    for (int i = 0; i < prefixes.length; i++) prefixRules[i] = prefixed.get(prefixes[i]).toArray(NONE);
    return new TypeRules(Map.copyOf(lit), wildcard.toArray(NONE), prefixes, prefixRules);
  }

  List<Acl> acls() {
    return acls;
  }

  TypeRules rules(ResourceType type) {
    return byType[type.ordinal()];
  }

  /**
   * The address a rule's host names, or null if it is not an IP literal (Kafka compares hosts as
   * the client's IP address string, so a host name never matches; no DNS lookup is made for it).
   */
  static InetAddress ipLiteral(String host) {
    boolean ipv6 = host.indexOf(':') >= 0;
    if (!ipv6) {
      for (int i = 0; i < host.length(); i++) {
        char c = host.charAt(i);
        if (c != '.' && (c < '0' || c > '9')) return null;
      }
    }
    try {
      return InetAddress.getByName(host); // a literal: parsed, never resolved
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
