package org.scix.pipeline.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one run, each under a dotted key ({@code submit.gateway_rps}) written as nested
 * JSON ({@code {"submit": {"gateway_rps": ...}}}), and the target checks that compare a figure
 * with its anchor measured in the same run.
 */
public final class Results {
  private final Map<String, Object> figures = new LinkedHashMap<>();
  private final List<Check> checks = new ArrayList<>();
  private final Map<String, Object> run = new LinkedHashMap<>();
  private final Map<String, String> failed = new LinkedHashMap<>(); // scenario -> why

  /** A target: {@code ours} against {@code limit}, where limit = factor x anchor. */
  public record Check(String figure, String oursKey, double ours, String anchorKey, double anchor, String target, boolean atMost,
      double limit) {
    public boolean met() {
      return atMost ? ours <= limit : ours >= limit;
    }

    public double ratio() {
      return anchor == 0 ? Double.NaN : ours / anchor;
    }
  }

  public void put(String key, double value) {
    figures.put(key, value);
  }

  public double get(String key) {
    Object value = figures.get(key);
    if (!(value instanceof Number number)) {
      throw new IllegalStateException("no figure " + key);
    }
    return number.doubleValue();
  }

  public boolean has(String key) {
    return figures.containsKey(key);
  }

  public void info(String key, Object value) {
    run.put(key, value);
  }

  /** A scenario that did not finish: the JSON and the table say so, and the other scenarios' figures stand. */
  public void failed(String scenario, String why) {
    failed.put(scenario, why);
  }

  public Map<String, String> failedScenarios() {
    return Map.copyOf(failed);
  }

  /** ours >= factor x anchor. */
  public void atLeast(String figure, String oursKey, String anchorKey, double factor, String target) {
    if (has(oursKey) && has(anchorKey)) {
      checks.add(new Check(figure, oursKey, get(oursKey), anchorKey, get(anchorKey), target, false, factor * get(anchorKey)));
    }
  }

  /** ours <= factor x anchor. */
  public void atMost(String figure, String oursKey, String anchorKey, double factor, String target) {
    if (has(oursKey) && has(anchorKey)) {
      checks.add(new Check(figure, oursKey, get(oursKey), anchorKey, get(anchorKey), target, true, factor * get(anchorKey)));
    }
  }

  /** ours >= an absolute floor (no anchor). */
  public void atLeastAbsolute(String figure, String oursKey, double floor, String target) {
    if (has(oursKey)) {
      checks.add(new Check(figure, oursKey, get(oursKey), null, 0, target, false, floor));
    }
  }

  /** ours <= an absolute limit (no anchor). */
  public void atMostAbsolute(String figure, String oursKey, double limit, String target) {
    if (has(oursKey)) {
      checks.add(new Check(figure, oursKey, get(oursKey), null, 0, target, true, limit));
    }
  }

  public List<Check> checks() {
    return List.copyOf(checks);
  }

  public String markdown() {
    StringBuilder out = new StringBuilder();
    out.append("| figure | ours | anchor | ratio | target | met |\n|---|---|---|---|---|---|\n");
    for (Check c : checks) {
      out.append(String.format(Locale.ROOT, "| %s | %s = %s | %s | %s | %s | %s |%n", c.figure(), c.oursKey(), format(c.ours()),
          c.anchorKey() == null ? "-" : c.anchorKey() + " = " + format(c.anchor()),
          c.anchorKey() == null ? "-" : format(c.ratio()), c.target(), c.met() ? "yes" : "**no**"));
    }
    failed.forEach((scenario, why) -> out.append("| scenario ").append(scenario).append(" | **failed**: ").append(why.replace('|', '/'))
        .append(" | - | - | - | **no** |\n"));
    out.append("\nAll figures:\n\n| key | value |\n|---|---|\n");
    figures.forEach((key, value) -> out.append("| ").append(key).append(" | ").append(format(((Number) value).doubleValue())).append(" |\n"));
    return out.toString();
  }

  public void writeJson(Path file) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    figures.forEach((key, value) -> nest(root, key, value));
    List<Map<String, Object>> targetRows = new ArrayList<>();
    for (Check c : checks) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("figure", c.figure());
      row.put("ours", c.oursKey());
      row.put("anchor", c.anchorKey());
      row.put("ratio", c.anchorKey() == null ? null : c.ratio());
      row.put("target", c.target());
      row.put("met", c.met());
      targetRows.add(row);
    }
    root.put("targets", targetRows);
    root.put("failed_scenarios", failed);
    root.put("run", run);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
  }

  @SuppressWarnings("unchecked")
  private static void nest(Map<String, Object> root, String key, Object value) {
    String[] parts = key.split("\\.");
    Map<String, Object> node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      node = (Map<String, Object>) node.computeIfAbsent(parts[i], k -> new LinkedHashMap<>());
    }
    node.put(parts[parts.length - 1], value);
  }

  static String format(double value) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    return Math.abs(value) >= 100 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.2f", value);
  }
}
