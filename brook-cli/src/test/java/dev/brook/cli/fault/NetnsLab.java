package dev.brook.cli.fault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private network on one machine: a "hub" network namespace holding a bridge, and one namespace per
 * node (ZooKeeper, each broker, the clients) joined to that bridge by a veth pair whose outer end is
 * created directly inside the hub, so no link, address or route of the host's own namespace is ever
 * created or touched. Every address is in {@value #SUBNET}.0/24, which exists only inside these
 * namespaces.
 *
 * <p>Faults are {@code nft} rules inside a node's namespace that silently drop packets arriving from
 * chosen peers (input hook): dropping on the receiver keeps the sender's syscalls succeeding, as a
 * real cut does, and dropping in only one of the two namespaces is a one-way cut.
 *
 * <p>Everything carries the prefix {@link #prefix}: {@link #destroy()} kills every process still in
 * one of these namespaces (by pid, from {@code ip netns pids}) and deletes the namespaces (which
 * removes their links). {@link #cleanLeftovers(String)} does the same for a run that died before its
 * own cleanup. Not thread-safe: one owner (the test) creates, cuts, heals and destroys.
 */
public final class NetnsLab implements AutoCloseable {
  public static final String SUBNET = "10.213.77";
  private static final long COMMAND_TIMEOUT_S = 20;

  private final String prefix;
  /** Node name (zk, b1, b2, b3, client) → its address. */
  private final Map<String, String> nodes = new LinkedHashMap<>();
  private boolean destroyed;

  private NetnsLab(String prefix) {
    this.prefix = prefix;
  }

  /** The namespace name of a node. */
  public String ns(String node) {
    return prefix + "-" + node;
  }

  public String hub() {
    return prefix + "-hub";
  }

  public String address(String node) {
    String a = nodes.get(node);
    if (a == null) throw new IllegalArgumentException("no node " + node);
    return a;
  }

  public Map<String, String> nodes() {
    return Map.copyOf(nodes);
  }

  /**
   * The lab another process created (the child JVM running the schedule): cuts and heals, never
   * destroys (its {@link #destroy()} does nothing; the creator cleans up).
   */
  public static NetnsLab attach(String prefix, Map<String, Integer> hosts) {
    NetnsLab lab = new NetnsLab(prefix);
    hosts.forEach((node, octet) -> lab.nodes.put(node, SUBNET + "." + octet));
    lab.destroyed = true;
    return lab;
  }

  /**
   * Creates the hub and one namespace per node, {@code hosts} mapping a node's name to the last octet of
   * its address. Removes anything left with this prefix first.
   */
  public static NetnsLab create(String prefix, Map<String, Integer> hosts) throws Exception {
    if (!prefix.matches("[a-z][a-z0-9]{1,7}")) throw new IllegalArgumentException("prefix: 2-8 of [a-z0-9]");
    cleanLeftovers(prefix);
    NetnsLab lab = new NetnsLab(prefix);
    try {
      run("ip", "netns", "add", lab.hub());
      run("ip", "-n", lab.hub(), "link", "set", "lo", "up");
      run("ip", "-n", lab.hub(), "link", "add", "br0", "type", "bridge");
      run("ip", "-n", lab.hub(), "link", "set", "br0", "up");
      for (Map.Entry<String, Integer> h : hosts.entrySet()) {
        String node = h.getKey();
        String ns = lab.ns(node);
        String addr = SUBNET + "." + h.getValue();
        String outer = "v-" + node;
        run("ip", "netns", "add", ns);
        run("ip", "-n", ns, "link", "set", "lo", "up");
        // Both ends are born inside namespaces of ours: the outer in the hub, the inner in the node.
        run("ip", "-n", lab.hub(), "link", "add", outer, "type", "veth", "peer", "name", "eth0", "netns", ns);
        run("ip", "-n", lab.hub(), "link", "set", outer, "master", "br0");
        run("ip", "-n", lab.hub(), "link", "set", outer, "up");
        run("ip", "-n", ns, "addr", "add", addr + "/24", "dev", "eth0");
        run("ip", "-n", ns, "link", "set", "eth0", "up");
        nft(ns, "add table inet brookfault\n"
            + "add chain inet brookfault in { type filter hook input priority 0; policy accept; }\n");
        lab.nodes.put(node, addr);
      }
      return lab;
    } catch (Exception e) {
      lab.destroy();
      throw e;
    }
  }

  /** Drops, in {@code to}'s namespace, every packet arriving from {@code from}: a one-way cut from → to. */
  public void cutOneWay(String from, String to) throws Exception {
    nftInNs(ns(to), "add rule inet brookfault in ip saddr " + address(from) + " drop\n");
  }

  /** Cuts both directions between a and b. */
  public void cut(String a, String b) throws Exception {
    cutOneWay(a, b);
    cutOneWay(b, a);
  }

  /** Removes every cut into {@code node}. */
  public void heal(String node) throws Exception {
    nftInNs(ns(node), "flush chain inet brookfault in\n");
  }

  public void healAll() throws Exception {
    for (String node : nodes.keySet()) heal(node);
  }

  /** The argv prefix that runs a command inside a node's namespace. */
  public List<String> exec(String node) {
    return List.of("ip", "netns", "exec", ns(node));
  }

  private void nftInNs(String ns, String script) throws Exception {
    nft(ns, script);
  }

  @Override
  public void close() {
    destroy();
  }

  /** Kills what still runs in these namespaces and deletes them; safe to call twice, from a shutdown hook. */
  public synchronized void destroy() {
    if (destroyed) return;
    destroyed = true;
    cleanLeftovers(prefix);
  }

  /** Kills (by pid) every process in a namespace named {@code prefix-*} and deletes those namespaces. */
  public static void cleanLeftovers(String prefix) {
    List<String> ours = new ArrayList<>();
    try {
      for (String line : output("ip", "netns", "list").split("\n")) {
        String name = line.split(" ", 2)[0].trim();
        if (name.startsWith(prefix + "-")) ours.add(name);
      }
    } catch (Exception e) {
      System.err.println("[netns] cannot list namespaces: " + e);
      return;
    }
    for (String ns : ours) {
      try {
        for (String pid : output("ip", "netns", "pids", ns).split("\\s+")) {
          if (pid.matches("\\d+")) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
      } catch (Exception e) {
        System.err.println("[netns] cannot list processes of " + ns + ": " + e);
      }
    }
    for (String ns : ours) {
      for (int attempt = 0; attempt < 20; attempt++) { // a killed process may hold the namespace a moment
        try {
          String pids = output("ip", "netns", "pids", ns).trim();
          if (pids.isEmpty()) break;
          Thread.sleep(100);
        } catch (Exception e) {
          break;
        }
      }
      try {
        run("ip", "netns", "delete", ns);
      } catch (Exception e) {
        System.err.println("[netns] cannot delete " + ns + ": " + e);
      }
    }
  }

  // ---- commands

  /** Runs a command (bounded); fails on a non-zero exit. */
  static void run(String... argv) throws Exception {
    exec(List.of(argv), null);
  }

  /** Runs an nft script inside a namespace. */
  private static void nft(String ns, String script) throws Exception {
    exec(List.of("ip", "netns", "exec", ns, "nft", "-f", "-"), script);
  }

  static String output(String... argv) throws Exception {
    return exec(List.of(argv), null);
  }

  private static String exec(List<String> cmd, String stdin) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (var in = p.getOutputStream()) {
      if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(COMMAND_TIMEOUT_S, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(cmd + " did not finish in " + COMMAND_TIMEOUT_S + " s");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) throw new IOException(cmd + " exited " + p.exitValue() + ": " + text.trim());
    return text;
  }
}
