package dev.brook.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code mvn install} of the test kit, then a project outside Brook that depends on {@code
 * dev.brook:brook-testkit} by its coordinates alone and runs a {@code @BrookBroker} test: proves that the
 * installed POMs (the parent, storage, broker, test kit) resolve and bring what the test kit needs.
 *
 * <p>Both builds use a temporary local repository ({@code -Dmaven.repo.local}); everything else comes from
 * this build's local repository, used as a {@code file://} mirror of every remote, offline. The install
 * runs the real lifecycle ({@code install -pl brook-testkit -am}) on a copy of the POMs and of the
 * classes this build compiled ({@code -Dmaven.main.skip}: compiling again would only cost minutes), so
 * the tree this test runs from is never written.
 */
class TestkitInstallIT {
  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final List<String> INSTALLED = List.of("brook-storage", "brook-broker", "brook-testkit");

  private final Path root = Path.of("..").toAbsolutePath().normalize();
  private final String version = System.getProperty("brook.version", "0.1.0-SNAPSHOT");
  private Path temp;

  @AfterEach
  void deleteTemp() {
    if (temp != null) BrookTestBroker.deleteRecursively(temp);
  }

  @Test
  void aProjectDependingOnTheInstalledCoordinatesRunsABrookBrokerTest() throws Exception {
    temp = Files.createTempDirectory("brook-install-it-");
    Path repo = temp.resolve("repo");
    Path settings = mirrorSettings(temp.resolve("settings.xml"));

    Path source = copyOfTheBuild(temp.resolve("brook"));
    String install = maven(source, settings, repo, "install", "-pl", "brook-testkit", "-am",
        "-Dmaven.main.skip=true", "-Dmaven.test.skip=true");
    assertThat(install).contains("BUILD SUCCESS");
    Path installed = repo.resolve("dev/brook/brook-testkit/" + version);
    assertThat(installed.resolve("brook-testkit-" + version + ".jar")).isRegularFile();
    assertThat(repo.resolve("dev/brook/brook-parent/" + version + "/brook-parent-" + version + ".pom")).isRegularFile();

    Path consumer = consumerProject(temp.resolve("consumer"));
    String test = maven(consumer, settings, repo, "test");
    assertThat(test).contains("Tests run: 1, Failures: 0, Errors: 0, Skipped: 0").contains("BUILD SUCCESS");
  }

  /** The root POM, every module's POM (the reactor reads them all), and the compiled classes of the installed modules. */
  private Path copyOfTheBuild(Path to) throws IOException {
    String rootPom = Files.readString(root.resolve("pom.xml"));
    copy(root.resolve("pom.xml"), to.resolve("pom.xml"));
    Matcher m = MODULE.matcher(rootPom);
    while (m.find()) copy(root.resolve(m.group(1)).resolve("pom.xml"), to.resolve(m.group(1)).resolve("pom.xml"));
    for (String module : INSTALLED) {
      Path classes = root.resolve(module).resolve("target/classes");
      assertThat(classes.resolve("dev/brook")).as("built classes of " + module).isDirectory();
      copyTree(classes, to.resolve(module).resolve("target/classes"));
    }
    return to;
  }

  /** The sample project under test resources, with this build's version and Surefire filled in. */
  private Path consumerProject(Path to) throws Exception {
    Path from = Path.of(TestkitInstallIT.class.getResource("/install-consumer/pom.xml").toURI()).getParent();
    copyTree(from, to);
    Path pom = to.resolve("pom.xml");
    Files.writeString(pom, Files.readString(pom)
        .replace("@brook.version@", version)
        .replace("@surefire.version@", System.getProperty("surefire.version", "3.5.2")));
    return to;
  }

  /** Settings whose one mirror, of every repository, is this build's local repository. */
  private static Path mirrorSettings(Path file) throws IOException {
    Path m2 = Path.of(System.getProperty("brook.it.m2", System.getProperty("user.home") + "/.m2/repository"));
    Files.writeString(file, "<settings><mirrors><mirror><id>build-local-repository</id><mirrorOf>*</mirrorOf>"
        + "<url>" + m2.toUri() + "</url></mirror></mirrors></settings>\n");
    return file;
  }

  /** Runs Maven offline (file:// still allowed) in {@code dir}; returns its output, failing on a non-zero exit. */
  private String maven(Path dir, Path settings, Path repo, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("mvn", "-o", "-B", "-ntp", "-Daether.offline.protocols=file",
        "-s", settings.toString(), "-Dmaven.repo.local=" + repo));
    cmd.addAll(List.of(args));
    Path log = Files.createTempFile(temp, "maven-", ".log");
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(String.join(" ", cmd) + " did not finish in 5 minutes:\n" + Files.readString(log));
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(String.join(" ", cmd) + " in " + dir + ":\n" + out).isZero();
    return out;
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      files.filter(Files::isRegularFile).forEach(f -> {
        try {
          copy(f, to.resolve(from.relativize(f).toString()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
