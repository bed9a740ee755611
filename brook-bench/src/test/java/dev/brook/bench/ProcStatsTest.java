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
}
