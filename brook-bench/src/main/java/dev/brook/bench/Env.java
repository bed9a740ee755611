package dev.brook.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Where things are: the Brook checkout, the anchor script, the Kafka 4.1.1 classpath it resolved, and
 * the JDK each side runs on. By default Kafka, Brook and the tools all run on the JDK that runs the
 * harness, so the JVM is not a difference between the two brokers.
 */
record Env(Path root, Path anchorScript, Path toolsDir, Path brookJavaHome, Path kafkaJavaHome,
    Path toolsJavaHome) {

  /** The anchor's resolved classpath (kafka-anchor.sh classpath), reused by every Kafka start. */
  Path classpathFile() {
    return toolsDir.resolve("cp.txt");
  }

  /** Makes {@code javaHome}'s java the one the child process finds (JAVA_HOME and first on PATH). */
  void applyTo(ProcessBuilder pb, Path javaHome) {
    pb.environment().put("JAVA_HOME", javaHome.toString());
    pb.environment().put("PATH", javaHome.resolve("bin") + ":" + pb.environment().getOrDefault("PATH", "/usr/bin:/bin"));
  }

  /** Resolves the anchor's classpath once into {@link #toolsDir} (copying a cached one when present). */
  void prepareTools(Path cachedClasspath) throws IOException, InterruptedException {
    Files.createDirectories(toolsDir);
    if (Files.isRegularFile(classpathFile()) && Files.size(classpathFile()) > 0) {
      return;
    }
    if (cachedClasspath != null && Files.isRegularFile(cachedClasspath) && Files.size(cachedClasspath) > 0) {
      Files.copy(cachedClasspath, classpathFile());
      return;
    }
    ProcessBuilder pb = new ProcessBuilder(anchorScript.toString(), "classpath")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
    applyTo(pb, toolsJavaHome);
    pb.environment().put("ANCHOR_DIR", toolsDir.toString());
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || !Files.isRegularFile(classpathFile())) {
      p.destroyForcibly();
      throw new IllegalStateException("kafka-anchor.sh classpath failed");
    }
  }
}
