package org.scix.pipeline.core.job;

import java.util.Locale;

/**
 * Which input topic a job goes to, and so how soon a worker starts it. Workers start interactive
 * jobs first, but give every Nth start to a waiting bulk job, so bulk work never starves
 * (INTERACTIVE_PER_BULK). Single submissions are interactive unless they say otherwise; batches
 * and schedules are bulk.
 */
public enum Priority {
  INTERACTIVE,
  BULK;

  /** How callers and events spell it. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * {@code interactive} or {@code bulk} (any case); {@code fallback} when null or blank.
   *
   * @throws IllegalArgumentException naming the two legal values
   */
  public static Priority parse(String value, Priority fallback) {
    if (value == null || value.isBlank()) {
      return fallback;
    }
    for (Priority p : values()) {
      if (p.wireName().equalsIgnoreCase(value.trim())) {
        return p;
      }
    }
    throw new IllegalArgumentException("priority must be interactive or bulk, got '"
        + (value.length() > 40 ? value.substring(0, 40) + "..." : value) + "'");
  }

  /** What a status event says; events written before priorities existed (null) were interactive. */
  public static Priority ofEvent(String value) {
    return BULK.wireName().equals(value) ? BULK : INTERACTIVE;
  }
}
