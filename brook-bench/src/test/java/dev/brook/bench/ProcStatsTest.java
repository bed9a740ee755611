package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcStatsTest {
  @Test
  void statFieldsSurviveACommandNameWithSpacesAndParentheses() {
    String stat = "42 (a (b) c) S 1 42 42 0 -1 4194304 100 0 0 0 250 75 0 0 20 0 30 0 12345 1000 50";
    String[] f = ProcStats.statFields(stat);
    assertThat(f[0]).isEqualTo("S");
    assertThat(f[11]).isEqualTo("250"); // utime, field 14
    assertThat(f[12]).isEqualTo("75"); // stime, field 15
    assertThat(f[19]).isEqualTo("12345"); // starttime, field 22
  }

  @Test
  void readsThisJvm() {
    long pid = ProcessHandle.current().pid();
    assertThat(ProcStats.command(pid)).isEqualTo("java");
    assertThat(ProcStats.cpuSeconds(pid)).isPositive();
    long rss = ProcStats.rssBytes(pid);
    assertThat(rss).isPositive();
    assertThat(ProcStats.peakRssBytes(pid)).isGreaterThanOrEqualTo(rss); // the peak read later covers it
    assertThat(ProcStats.startedAtUptime(pid)).isLessThanOrEqualTo(ProcStats.uptimeNow());
  }

  @Test
  void threadCpuSecondsCountsOnlyThreadsWhoseNameStartsWithThePrefix() throws Exception {
    java.util.concurrent.CountDownLatch spun = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    Thread spinner = new Thread(() -> {
      var mx = java.lang.management.ManagementFactory.getThreadMXBean();
      long x = 0;
      while (mx.getCurrentThreadCpuTime() < 200_000_000L) x += System.nanoTime() & 1; // 200 ms of CPU
      if (x < 0) System.out.println(x);
      spun.countDown();
      try {
        done.await(60, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "tcs-spinner");
    spinner.start();
    try {
      assertThat(spun.await(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      long pid = ProcessHandle.current().pid();
      assertThat(ProcStats.threadCpuSeconds(pid, "tcs-spin")).isBetween(0.1, ProcStats.cpuSeconds(pid));
      assertThat(ProcStats.threadCpuSeconds(pid, "no-such-thread")).isZero();
    } finally {
      done.countDown();
      spinner.join(10_000);
    }
  }
}
