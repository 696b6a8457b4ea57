package org.scix.pipeline.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** A {@code --since} value: a duration back from now ({@code PT1H}) or an instant; as the gateway's JSON takes it. */
final class Since {
  private Since() {}

  /** The ISO-8601 instant, or null if not given. */
  static String instant(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return value.startsWith("P") ? Instant.now().minus(Duration.parse(value)).toString() : Instant.parse(value).toString();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("--since: a duration (PT1H, P2D) or an instant (2026-11-26T10:00:00Z), not '" + value + "'");
    }
  }
}
