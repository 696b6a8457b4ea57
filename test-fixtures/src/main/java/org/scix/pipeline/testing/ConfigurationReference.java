package org.scix.pipeline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configuration reference, docs/configuration.md, as data: each "## " section's table rows
 * ({@code | `KEY` | `default` or words | meaning |}). The services' tests compare it with the keys
 * their configuration actually reads ({@code Settings.keysRead()}), so a key added without its row,
 * or a row left after its key went, fails the build.
 */
public final class ConfigurationReference {
  private static final Pattern ROW = Pattern.compile("^\\|\\s*`([A-Z0-9_<>*]+)`\\s*\\|\\s*([^|]*?)\\s*\\|\\s*(.*?)\\s*\\|\\s*$");
  private static final Pattern LITERAL = Pattern.compile("^`([^`]*)`");

  /** One documented key: its default cell and its meaning. */
  public record Entry(String key, String defaultCell, String meaning) {
    /** The literal default (the cell's leading `code`), or null when the cell explains it in words. */
    public String literalDefault() {
      Matcher m = LITERAL.matcher(defaultCell);
      return m.find() ? m.group(1) : defaultCell.equals("none") ? "" : null;
    }
  }

  private final Map<String, Map<String, Entry>> sections;

  private ConfigurationReference(Map<String, Map<String, Entry>> sections) {
    this.sections = sections;
  }

  /** Finds docs/configuration.md from a module's directory (the build's working directory) or the root. */
  public static ConfigurationReference load() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path doc = dir.resolve("docs/configuration.md");
      if (Files.isRegularFile(doc)) {
        return parse(doc);
      }
    }
    throw new IllegalStateException("docs/configuration.md not found above " + Path.of("").toAbsolutePath());
  }

  static ConfigurationReference parse(Path doc) {
    Map<String, Map<String, Entry>> sections = new LinkedHashMap<>();
    String section = "";
    try {
      for (String line : Files.readAllLines(doc)) {
        if (line.startsWith("## ")) {
          section = line.substring(3).trim();
        }
        Matcher row = ROW.matcher(line);
        if (row.matches()) {
          sections.computeIfAbsent(section, s -> new TreeMap<>()).put(row.group(1), new Entry(row.group(1), row.group(2), row.group(3)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ConfigurationReference(sections);
  }

  /** The rows of the named sections, by key. */
  public Map<String, Entry> entries(String... sectionNames) {
    Map<String, Entry> entries = new TreeMap<>();
    for (String name : sectionNames) {
      Map<String, Entry> section = sections.get(name);
      if (section == null) {
        throw new IllegalStateException("docs/configuration.md has no section '## " + name + "'; it has " + sections.keySet());
      }
      entries.putAll(section);
    }
    return entries;
  }

  /**
   * Keys read, with per-task keys ({@code TASK_SYMBOL1_DEADLINE_MS}) folded into the documented
   * pattern ({@code TASK_<SYMBOL>_DEADLINE_MS}); a folded key whose defaults differ must be documented in words.
   */
  public static Map<String, String> folded(Map<String, String> read) {
    Map<String, String> folded = new TreeMap<>();
    read.forEach((key, value) -> folded.merge(key.replaceAll("SYMBOL[0-9]+", "<SYMBOL>"), value,
        (a, b) -> a.equals(b) ? a : "(differs by task)"));
    return folded;
  }

  /**
   * What is wrong between the keys read ({@code key -> default as text}) and the rows of
   * {@code documented}: keys read but not documented, rows whose key is not read (stale, unless
   * listed in {@code readElsewhere}), and literal defaults that differ. Empty when they agree.
   */
  public static List<String> mismatches(Map<String, String> read, Map<String, Entry> documented, Set<String> readElsewhere) {
    List<String> problems = new ArrayList<>();
    read.forEach((key, value) -> {
      Entry entry = documented.get(key);
      if (entry == null) {
        problems.add("undocumented: | `" + key + "` | `" + value + "` | ... |");
      } else if (entry.literalDefault() != null && !entry.literalDefault().equals(value)) {
        problems.add("default of " + key + " is `" + value + "` in the code but `" + entry.literalDefault() + "` in the docs");
      }
    });
    documented.keySet().stream().filter(key -> !read.containsKey(key) && !readElsewhere.contains(key))
        .forEach(key -> problems.add("stale: " + key + " is documented but not read"));
    return problems;
  }
}
