package dev.brook.bench.security;

import dev.brook.broker.security.Acl;
import dev.brook.broker.security.Authorizer;
import dev.brook.broker.security.Operation;
import dev.brook.broker.security.PatternType;
import dev.brook.broker.security.Permission;
import dev.brook.broker.security.ResourceType;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One authorization decision, as a produce or fetch pays it per topic: {@code acls} literal topic
 * ACLs (one per topic, for as many principals) plus {@code prefixes} prefixed ones, and the
 * decision for a topic with a literal ALLOW, one covered only by a prefix, and one nothing covers
 * (denied after looking at everything). Nanoseconds per decision; {@code -prof gc} shows 0 B/op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AuthorizerBenchmark {
  @Param({"10", "10000"})
  int acls;

  @Param({"10", "100"})
  int prefixes;

  Authorizer authorizer;
  KafkaPrincipal principal;
  InetAddress host;

  @Setup
  public void setup() throws Exception {
    authorizer = new Authorizer(List.of("User:admin"), false);
    List<Acl> all = new ArrayList<>();
    for (int i = 0; i < acls; i++) {
      all.add(new Acl(ResourceType.TOPIC, PatternType.LITERAL, "topic-" + i, "User:app-" + (i % 50), "*",
          Operation.WRITE, Permission.ALLOW));
    }
    for (int i = 0; i < prefixes; i++) {
      all.add(new Acl(ResourceType.TOPIC, PatternType.PREFIXED, "team-" + i + "-", "User:app-7", "*",
          Operation.READ, Permission.ALLOW));
    }
    authorizer.replaceAcls(all);
    principal = new KafkaPrincipal("User", "app-7");
    host = InetAddress.getByName("10.1.2.3");
  }

  @Benchmark
  public boolean literalAllow() {
    return authorizer.authorize(principal, host, Operation.WRITE, ResourceType.TOPIC, "topic-7");
  }

  @Benchmark
  public boolean prefixAllow() {
    return authorizer.authorize(principal, host, Operation.READ, ResourceType.TOPIC, "team-3-orders");
  }

  @Benchmark
  public boolean denied() {
    return authorizer.authorize(principal, host, Operation.WRITE, ResourceType.TOPIC, "nobody-has-this");
  }
}
