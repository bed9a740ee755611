package dev.brook.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A PNG bar chart of the ratio Brook/Kafka per figure, on a log-2 axis centred on 1×: green where Brook
 * is better (higher for throughput, lower for latency, CPU, memory and startup), amber where it is
 * better but short of the target (a black tick), red where it is worse. Drawn with Java2D in headless mode (no extra dependency).
 */
final class RatioChart {
  private static final int LEFT = 380;
  private static final int RIGHT = 150;
  private static final int TOP = 60;
  private static final int ROW = 26;
  private static final int PLOT = 560;
  private static final double MIN_LOG2 = -5;
  private static final double MAX_LOG2 = 5;

  private RatioChart() {}

  static void write(Measurements m, String title, Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Metric[] metrics = Metric.values();
    int width = LEFT + PLOT + RIGHT;
    int height = TOP + ROW * metrics.length + 50;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.drawString(title, 10, 22);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.drawString("green: Brook better, amber: better but short of the target (black tick), red: Brook worse; log2 axis", 10, 42);
      axis(g, height);
      for (int i = 0; i < metrics.length; i++) {
        bar(g, metrics[i], m.medianRatio(metrics[i]), TOP + i * ROW);
      }
    } finally {
      g.dispose();
    }
    ImageIO.write(img, "png", png.toFile());
  }

  private static void axis(Graphics2D g, int height) {
    int bottom = height - 40;
    g.setColor(new Color(225, 225, 225));
    for (int e = (int) MIN_LOG2; e <= MAX_LOG2; e++) {
      int x = x(Math.pow(2, e));
      g.drawLine(x, TOP - 4, x, bottom);
    }
    g.setColor(Color.DARK_GRAY);
    for (int e = (int) MIN_LOG2; e <= MAX_LOG2; e++) {
      int x = x(Math.pow(2, e));
      String label = e >= 0 ? (1 << e) + "×" : "1/" + (1 << -e);
      g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, bottom + 16);
    }
    g.setStroke(new BasicStroke(1.5f));
    g.drawLine(x(1), TOP - 4, x(1), bottom);
  }

  private static void bar(Graphics2D g, Metric metric, double ratio, int y) {
    g.setColor(Color.BLACK);
    g.drawString(metric.label(), 10, y + 16);
    if (Double.isNaN(ratio) || ratio <= 0) {
      g.setColor(Color.GRAY);
      g.drawString("no ratio", x(1) + 6, y + 16);
      return;
    }
    boolean better = metric.higherIsBetter ? ratio >= 1 : ratio <= 1;
    boolean missed = Boolean.FALSE.equals(metric.met(ratio));
    g.setColor(!better ? new Color(207, 34, 46) : missed ? new Color(224, 160, 0) : new Color(46, 160, 67));
    int x0 = x(1);
    int x1 = x(ratio);
    g.fillRect(Math.min(x0, x1), y + 4, Math.max(2, Math.abs(x1 - x0)), ROW - 8);
    if (!Double.isNaN(metric.target)) {
      g.setColor(Color.BLACK);
      g.setStroke(new BasicStroke(2.5f));
      int xt = x(metric.target);
      g.drawLine(xt, y + 1, xt, y + ROW - 1);
      g.setStroke(new BasicStroke(1f));
    }
    g.setColor(Color.BLACK);
    g.drawString(String.format(Locale.ROOT, "%.2f×", ratio), LEFT + PLOT + 8, y + 16);
  }

  private static int x(double ratio) {
    double l = Math.max(MIN_LOG2, Math.min(MAX_LOG2, Math.log(ratio) / Math.log(2)));
    return LEFT + (int) Math.round((l - MIN_LOG2) / (MAX_LOG2 - MIN_LOG2) * PLOT);
  }
}
