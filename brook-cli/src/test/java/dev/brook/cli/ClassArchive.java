package dev.brook.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The AppCDS archive (JDK 13+ dynamic archive) of one kind of child JVM the tests start over and
 * over: a Kafka tool class, {@code brook server}, {@code keytool}. The first start of a kind writes
 * the classes it loaded at exit ({@code -XX:ArchiveClassesAtExit}) to a file of its own, which
 * {@link #settle} then renames into place; later starts map the archive instead of parsing and
 * verifying those classes again (a Kafka tool: about half of a start's CPU). A JVM never reads a file
 * another one is still writing, so forks and concurrent children may share the directory. The CDS
 * messages (an archive made by another build is ignored; classes CDS cannot hold are skipped) are
 * turned off: the tests read the children's stdout and stderr.
 *
 * <p>Archives live in {@code target/class-archives}, so a build's {@code clean} drops them; an
 * archive older than {@code newest} (the jar or class path it was made for) is deleted first.
 */
final class ClassArchive {
  private static final Path DIR = Path.of("target", "class-archives").toAbsolutePath();
  private static final AtomicInteger DUMPS = new AtomicInteger();

  /** JVM options that make a short-lived child JVM cheap: C1 only, one GC thread. */
  static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  private final Path archive;
  private final Path dump;

  private ClassArchive(Path archive, Path dump) {
    this.archive = archive;
    this.dump = dump;
  }

  /**
   * The archive named {@code name} (other characters than letters, digits, '.' and '-' become '_'),
   * dropped if any of {@code madeFrom} (the jars of its class path) is newer.
   */
  static ClassArchive of(String name, List<Path> madeFrom) {
    Path archive = DIR.resolve(name.replaceAll("[^A-Za-z0-9.-]", "_") + ".jsa");
    try {
      Files.createDirectories(DIR);
      if (Files.exists(archive)) {
        var made = Files.getLastModifiedTime(archive);
        for (Path p : madeFrom) {
          if (Files.exists(p) && Files.getLastModifiedTime(p).compareTo(made) > 0) {
            Files.deleteIfExists(archive);
            break;
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare " + archive, e);
    }
    if (Files.exists(archive)) return new ClassArchive(archive, null);
    Path dump = DIR.resolve(archive.getFileName() + "." + ProcessHandle.current().pid() + "-" + DUMPS.incrementAndGet());
    return new ClassArchive(archive, dump);
  }

  /**
   * The options for the child's command line (or JAVA_TOOL_OPTIONS), for a JVM of feature release
   * {@code jdk} (JDK 25 logs CDS under the {@code aot} tag too, which older JVMs refuse).
   */
  List<String> options(int jdk) {
    List<String> o = new ArrayList<>();
    o.add(dump == null ? "-XX:SharedArchiveFile=" + archive : "-XX:ArchiveClassesAtExit=" + dump);
    o.add("-Xlog:cds=off");
    o.add("-Xlog:cds+dynamic=off");
    o.add("-Xlog:class+path=off");
    if (jdk >= 25) o.add("-Xlog:aot=off");
    return o;
  }

  /**
   * After the child exited with {@code exitCode}: the archive it wrote, if it wrote one, takes its
   * place (atomically). A child ended by a signal (128 + n) may have been stopped half way through
   * writing it, so its file is dropped.
   */
  void settle(int exitCode) {
    if (dump == null) return;
    try {
      if (exitCode < 128 && Files.isRegularFile(dump) && Files.size(dump) > 0) {
        Files.move(dump, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      System.err.println("could not keep the class archive " + dump + ": " + e);
    } finally {
      try {
        Files.deleteIfExists(dump);
      } catch (IOException ignored) {
        // a leftover in target/ only
      }
    }
  }
}
