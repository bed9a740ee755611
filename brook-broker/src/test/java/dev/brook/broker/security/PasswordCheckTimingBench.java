package dev.brook.broker.security;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints what one HTTP Basic password check ({@link PasswordVerifier}) costs per outcome — a SCRAM
 * user's wrong and right password, a PLAIN user's wrong and right password, an unknown user — in CPU
 * time per check (median of rounds, outcomes interleaved), to show that the outcome does not change
 * the cost. Not part of any suite (no *Test/*IT name): run with {@code -Dtest=PasswordCheckTimingBench}.
 * Asserts nothing about time.
 */
class PasswordCheckTimingBench {
  @TempDir Path dir;

  @Test
  void printCheckCostPerOutcome() throws Exception {
    LocalScramCredentialStore scram = LocalScramCredentialStore.open(dir);
    byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    ScramMechanism m = ScramMechanism.SCRAM_SHA_256;
    scram.alter("carol", m, m.credential(salt, m.saltedPassword(b("carol-secret"), salt, 4096), 4096));
    PasswordVerifier v = new PasswordVerifier(List.of(Map.of("alice", "alice-secret")), scram);
    String[][] cases = {{"scram user, wrong password", "carol", "wrong"}, {"scram user, right password", "carol", "carol-secret"},
        {"plain user, wrong password", "alice", "wrong"}, {"plain user, right password", "alice", "alice-secret"},
        {"unknown user", "nobody", "wrong"}};
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int rounds = 15;
    int perRound = 40;
    long[][] cpu = new long[cases.length][rounds];
    for (int i = 0; i < 200; i++) v.verify(cases[i % cases.length][1], b(cases[i % cases.length][2])); // warm up
    for (int r = 0; r < rounds; r++) {
      for (int c = 0; c < cases.length; c++) {
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < perRound; i++) v.verify(cases[c][1], b(cases[c][2]));
        cpu[c][r] = (threads.getCurrentThreadCpuTime() - start) / perRound;
      }
    }
    for (int c = 0; c < cases.length; c++) {
      long[] sorted = cpu[c].clone();
      Arrays.sort(sorted);
      System.out.printf("password check, %-28s median %6.3f ms CPU (min %6.3f, max %6.3f)%n", cases[c][0],
          sorted[rounds / 2] / 1e6, sorted[0] / 1e6, sorted[rounds - 1] / 1e6);
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
