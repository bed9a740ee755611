package dev.brook.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web console as a person uses it, in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}; {@code .ci/run} installs them, and their absence fails this test): create a
 * topic, produce from the page, find the record by search, watch live tail receive a record a Java
 * client produced, and see a group's lag rise and fall on its chart. With an authorizer on, the page is
 * read-only for a user who may only read (no create, delete, produce or alter controls) and complete for
 * a super user, after logging in on the page; a group's page shows a user who may not DESCRIBE one of
 * its topics lag, chart and total without that topic. Screenshots of each page go to {@code
 * target/console-screenshots/}; page load times to {@code load-times.txt} beside them.
 */
class ConsoleBrowserIT {
  private static final Path SHOTS = Path.of("target", "console-screenshots");
  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  @TempDir Path dir;
  Broker broker;
  WebDriver browser;
  final Map<String, String> loadTimes = new LinkedHashMap<>();

  @BeforeEach
  void start() throws Exception {
    assertThat(new File(CHROMIUM)).as("Debian's chromium (apt-get install chromium chromium-driver)").exists();
    assertThat(new File(CHROMEDRIVER)).as("Debian's chromium-driver (apt-get install chromium-driver)").exists();
    System.setProperty("brook.history.interval.ms", "1000"); // a lag chart within seconds, not minutes
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).build();
    browser = new ChromeDriver(service, options);
    Files.createDirectories(SHOTS);
  }

  @AfterEach
  void stop() throws Exception {
    System.clearProperty("brook.history.interval.ms");
    if (browser != null) browser.quit();
    if (broker != null) broker.close();
    if (loadTimes.isEmpty()) return; // the read-only check's pages are not the ones whose load times are kept
    StringBuilder b = new StringBuilder();
    loadTimes.forEach((page, ms) -> b.append(page).append('\t').append(ms).append(" ms\n"));
    Files.writeString(SHOTS.resolve("load-times.txt"), b.toString());
  }

  @Test
  void createProduceSearchTailAndWatchLagRiseAndFall() throws Exception {
    Map<String, String> s = new HashMap<>();
    s.put("listeners", "PLAINTEXT://127.0.0.1:0");
    s.put("log.dirs", dir.toString());
    s.put("http.port", "0");
    s.put("group.initial.rebalance.delay.ms", "0");
    s.put("offsets.topic.num.partitions", "3");
    s.put("transaction.state.log.num.partitions", "3");
    broker = Broker.start(BrokerConfig.of(s));
    String base = "http://127.0.0.1:" + broker.httpPort() + "/console/index.html";
    browser.get(base);
    awaitPage("#/");
    shot("overview");

    // Create a topic from the Topics page.
    browser.findElement(By.id("nav-topics")).click();
    awaitPage("#/topics");
    browser.findElement(By.id("create-name")).sendKeys("orders");
    WebElement parts = browser.findElement(By.id("create-partitions"));
    parts.clear();
    parts.sendKeys("2");
    browser.findElement(By.id("create-submit")).click();
    awaitPage("#/topic/orders");
    assertThat(browser.findElements(By.cssSelector("#partitions-table tr"))).hasSize(3); // header + 2
    shot("topic");
    browser.get(base + "#/topics");
    awaitPage("#/topics");
    until(d -> d.findElement(By.id("topics-table")).getText().contains("orders"));
    shot("topics");

    // Produce from the page, then find it by a search on the key.
    browser.get(base + "#/messages/orders");
    awaitPage("#/messages/orders");
    browser.findElement(By.id("produce-key")).sendKeys("order-42");
    browser.findElement(By.id("produce-value")).sendKeys("{\"item\":\"book\",\"qty\":1}");
    browser.findElement(By.id("produce-headers")).sendKeys("source=console");
    browser.findElement(By.id("produce-submit")).click();
    until(d -> d.findElement(By.id("status")).getText().startsWith("Produced"));
    browser.findElement(By.id("search-q")).sendKeys("order-4[0-9]");
    browser.findElement(By.cssSelector("#search-mode option[value=regex]")).click();
    browser.findElement(By.cssSelector("#format option[value=json]")).click();
    browser.findElement(By.id("browse-submit")).click();
    until(d -> d.findElement(By.id("browse-table")).getText().contains("\"item\": \"book\""));
    assertThat(browser.findElement(By.id("browse-table")).getText()).contains("order-42").contains("source=console");

    // Live tail sees a record that a Java client produces.
    browser.findElement(By.id("tail-toggle")).click();
    until(d -> d.findElement(By.id("tail-state")).getText().startsWith("tailing from"));
    try (KafkaProducer<String, String> producer = producer()) {
      producer.send(new ProducerRecord<>("orders", "from-java", "hello from a Java client")).get();
    }
    until(d -> d.findElement(By.id("tail-table")).getText().contains("hello from a Java client"));
    shot("messages");
    browser.findElement(By.id("tail-toggle")).click();

    // A group's lag rises (100 records it has not consumed) and falls (it commits the end).
    try (KafkaProducer<String, String> producer = producer()) {
      for (int i = 0; i < 100; i++) producer.send(new ProducerRecord<>("orders", "k" + i, "v" + i));
      producer.flush();
    }
    Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
    start.put(new TopicPartition("orders", 0), new OffsetAndMetadata(0));
    start.put(new TopicPartition("orders", 1), new OffsetAndMetadata(0));
    try (KafkaConsumer<String, String> consumer = consumer()) {
      consumer.commitSync(start);
    }
    browser.get(base + "#/group/shipping");
    awaitPage("#/group/shipping");
    untilReloaded("#/group/shipping", d -> {
      WebElement chart = d.findElement(By.id("lag-chart"));
      return Integer.parseInt(chart.getAttribute("data-points")) >= 2 && Long.parseLong(chart.getAttribute("data-last")) >= 100;
    });
    assertThat(browser.findElement(By.id("group-lag")).getText()).isEqualTo("102");
    try (KafkaConsumer<String, String> consumer = consumer()) {
      Map<TopicPartition, Long> end = consumer.endOffsets(start.keySet());
      Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
      end.forEach((tp, o) -> done.put(tp, new OffsetAndMetadata(o)));
      consumer.commitSync(done);
    }
    untilReloaded("#/group/shipping", d -> {
      WebElement chart = d.findElement(By.id("lag-chart"));
      return chart.getAttribute("data-last").equals("0") && Long.parseLong(chart.getAttribute("data-max")) >= 100;
    });
    assertThat(browser.findElement(By.id("group-lag")).getText()).isEqualTo("0");
    shot("group");

    browser.get(base + "#/groups");
    awaitPage("#/groups");
    assertThat(browser.findElement(By.id("groups-table")).getText()).contains("shipping");
    shot("groups");

    // An open transaction shows on the Transactions page.
    Properties tp = producerProps();
    tp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "console-txn");
    try (KafkaProducer<String, String> txn = new KafkaProducer<>(tp)) {
      txn.initTransactions();
      txn.beginTransaction();
      txn.send(new ProducerRecord<>("orders", "t", "in a transaction")).get();
      browser.get(base + "#/transactions");
      awaitPage("#/transactions");
      untilReloaded("#/transactions", d -> d.findElement(By.id("txn-table")).getText().contains("console-txn"));
      shot("transactions");
      txn.abortTransaction();
    }

    browser.get(base + "#/");
    awaitPage("#/");
    untilReloaded("#/", d -> Integer.parseInt(d.findElement(By.id("throughput-chart")).getAttribute("data-points")) >= 2);
    shot("overview");
    System.out.println("console page load times: " + loadTimes);
  }

  @Test
  void aReaderGetsTheReadOnlyViewAndASuperUserAllControls() throws Exception {
    broker = Broker.start(BrokerConfig.of(ConsoleAuthIT.secured(dir)));
    ConsoleAuthIT.populate(broker);
    String base = "http://127.0.0.1:" + broker.httpPort() + "/console/index.html";
    browser.get(base + "#/topics");
    awaitPage("#/topics");
    until(d -> d.findElement(By.id("who")).getText().equals("User:ANONYMOUS"));
    assertThat(browser.findElement(By.id("topics-table")).getText()).doesNotContain("orders");
    assertThat(browser.findElements(By.id("create-topic"))).isEmpty();
    assertThat(browser.findElement(By.id("readonly-note")).getText()).contains("may not create topics");

    logIn("alice", "alice-secret");
    until(d -> d.findElement(By.id("topics-table")).getText().contains("orders"));
    assertThat(browser.findElement(By.id("topics-table")).getText()).doesNotContain("secret");
    assertThat(browser.findElements(By.id("create-topic"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector(".delete-topic"))).isEmpty();
    shot("read-only-topics");

    browser.get(base + "#/topic/orders");
    awaitPage("#/topic/orders");
    assertThat(browser.findElements(By.id("alter-configs"))).isEmpty();
    assertThat(browser.findElement(By.id("readonly-note")).getText()).contains("User:alice may not alter the configs of orders");

    browser.get(base + "#/messages/orders");
    awaitPage("#/messages/orders");
    assertThat(browser.findElements(By.id("produce"))).isEmpty();
    assertThat(browser.findElement(By.id("readonly-note")).getText()).contains("may not produce to orders");
    browser.findElement(By.id("browse-submit")).click();
    until(d -> d.findElement(By.id("browse-table")).getText().contains("first order"));
    shot("read-only-messages");

    // Bob may DESCRIBE the group audit and the topic orders, not secret, which audit also lags on (1 record
    // each): the group page's total, lag rows, and lag chart (a point a second) count orders alone.
    browser.findElement(By.id("logout")).click();
    until(d -> d.findElement(By.id("who")).getText().equals("User:ANONYMOUS"));
    logIn("bob", "bob-secret");
    browser.get(base + "#/group/audit");
    awaitPage("#/group/audit");
    untilReloaded("#/group/audit", d -> Integer.parseInt(d.findElement(By.id("lag-chart")).getAttribute("data-points")) >= 2);
    WebElement bobsChart = browser.findElement(By.id("lag-chart"));
    assertThat(bobsChart.getAttribute("data-last")).isEqualTo("1");
    assertThat(bobsChart.getAttribute("data-max")).isEqualTo("1");
    assertThat(browser.findElement(By.id("group-lag")).getText()).isEqualTo("1");
    assertThat(browser.findElement(By.id("lag-table")).getText()).contains("orders");
    assertThat(browser.findElement(By.id("page")).getText()).doesNotContain("secret");
    shot("read-only-group");

    // Log out; log in as the super user: every control is back.
    browser.findElement(By.id("logout")).click();
    until(d -> d.findElement(By.id("who")).getText().equals("User:ANONYMOUS"));
    browser.get(base + "#/topics");
    awaitPage("#/topics");
    logIn("admin", "admin-secret");
    until(d -> !d.findElements(By.id("create-topic")).isEmpty() && d.findElement(By.id("topics-table")).getText().contains("secret"));
    assertThat(browser.findElements(By.cssSelector(".delete-topic"))).hasSizeGreaterThanOrEqualTo(2);
    // The same group page for the super user: both topics, lag 2 on the chart.
    browser.get(base + "#/group/audit");
    awaitPage("#/group/audit");
    untilReloaded("#/group/audit", d -> d.findElement(By.id("lag-chart")).getAttribute("data-last").equals("2"));
    assertThat(browser.findElement(By.id("lag-table")).getText()).contains("orders", "secret");
    browser.get(base + "#/messages/orders");
    awaitPage("#/messages/orders");
    assertThat(browser.findElement(By.id("produce")).isDisplayed()).isTrue();
    assertThat(browser.findElements(By.id("readonly-note"))).isEmpty();

    // A wrong password is refused on the page, without the browser's own dialog.
    browser.findElement(By.id("logout")).click();
    until(d -> d.findElement(By.id("who")).getText().equals("User:ANONYMOUS"));
    logInWith("alice", "wrong");
    until(d -> d.findElement(By.id("status")).getText().startsWith("Login failed"));
    assertThat(browser.findElement(By.id("who")).getText()).isEqualTo("User:ANONYMOUS");
    loadTimes.clear();
  }

  private void logIn(String user, String password) {
    logInWith(user, password);
    until(d -> d.findElement(By.id("who")).getText().equals("User:" + user));
  }

  private void logInWith(String user, String password) {
    WebElement u = browser.findElement(By.id("login-user"));
    u.clear();
    u.sendKeys(user);
    WebElement p = browser.findElement(By.id("login-password"));
    p.clear();
    p.sendKeys(password);
    browser.findElement(By.id("login-submit")).click();
  }

  /** Waits (at most 60 s, polling; exceptions of a page still drawing count as "not yet") for {@code condition}. */
  private void until(java.util.function.Predicate<WebDriver> condition) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
        .until(() -> condition.test(browser));
  }

  /**
   * Reloads the page at {@code hash} until {@code condition} holds of it once drawn. A reload clears the
   * page; the condition is asked only after the page has drawn itself from its /api call (the body's
   * data-page), not in the moment between the document's load and the answer — a group page takes a
   * describe and a lag fetch, 20–200 ms, which a check right after the reload never saw under load.
   */
  private void untilReloaded(String hash, java.util.function.Predicate<WebDriver> condition) {
    until(d -> {
      d.navigate().refresh();
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
          .until(() -> hash.equals(d.findElement(By.tagName("body")).getAttribute("data-page")));
      return condition.test(d);
    });
  }

  private void awaitPage(String hash) {
    until(d -> hash.equals(d.findElement(By.tagName("body")).getAttribute("data-page")));
    loadTimes.put(hash, browser.findElement(By.tagName("body")).getAttribute("data-loaded-ms"));
  }

  private void shot(String name) throws Exception {
    File f = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  private Properties producerProps() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return p;
  }

  private KafkaProducer<String, String> producer() {
    return new KafkaProducer<>(producerProps());
  }

  private KafkaConsumer<String, String> consumer() {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "shipping");
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return new KafkaConsumer<>(c);
  }
}
