package dev.brook.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class PropertiesTextTest {
  @Test
  void whatItWritesLoadsBackUnchanged() throws Exception {
    Properties p = new Properties();
    p.setProperty("plain", "value");
    p.setProperty("topic.0.config.cleanup.policy", "compact,delete");
    p.setProperty("key with spaces", "  leading and inner spaces ");
    p.setProperty("separators=:#!", "a=b:c#d!e");
    p.setProperty("back\\slash", "C:\\dir\\file");
    p.setProperty("controls", "tab\there\nnew line\rcr\fform" + (char) 1);
    p.setProperty("unicode", "caf\u00e9 \u2603 \ud83d\ude00");
    p.setProperty("#leading comment mark", "!bang");
    p.setProperty("empty", "");

    String text = PropertiesText.format("a comment\nover two lines", p);
    Properties back = new Properties();
    back.load(new StringReader(text));

    assertThat(back).isEqualTo(p);
  }

  @Test
  void sortsKeysAndWritesNoDate() {
    Properties p = new Properties();
    p.setProperty("b", "2");
    p.setProperty("a", "1");

    assertThat(PropertiesText.format("header", p)).isEqualTo("#header\na=1\nb=2\n");
  }
}
