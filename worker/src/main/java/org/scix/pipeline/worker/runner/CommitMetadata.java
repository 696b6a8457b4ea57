package org.scix.pipeline.worker.runner;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * What a worker stores in the metadata of a partition's committed offset, so that whoever owns
 * the partition next (itself after a restart, or another worker) continues exactly where it left
 * off (the idea of Confluent's Parallel Consumer):
 *
 * <ul>
 *   <li>{@code done}: offsets at or above the committed offset whose jobs already ended and were
 *       committed with their results (jobs finish out of order; the committed offset stays at the
 *       first one still running). They are skipped, not run again.
 *   <li>{@code recent}: the ids of the last jobs committed on the partition, so a second record of
 *       the same job (two gateway replicas racing on one idempotency key) is skipped, not run twice.
 * </ul>
 *
 * <p>Encoded as {@code v1|d=3-10,12|j=<id>,<id>}: done offsets as ranges relative to the committed
 * offset, ids shortened to {@value #ID_CHARS} hex characters. Kafka keeps at most 4096 bytes of
 * metadata by default ({@code offset.metadata.max.bytes}); {@link #MAX_CHARS} stays under it.
 */
record CommitMetadata(NavigableSet<Long> done, LinkedHashSet<String> recent) {
  static final int MAX_CHARS = 4000;
  static final int ID_CHARS = 16;
  static final int RECENT_IDS = 64;
  private static final String VERSION = "v1";

  static CommitMetadata empty() {
    return new CommitMetadata(new TreeSet<>(), new LinkedHashSet<>());
  }

  /** The id as kept here (a prefix: 64 bits of a SHA-256-based id). */
  static String shortId(String jobId) {
    return jobId.length() <= ID_CHARS ? jobId : jobId.substring(0, ID_CHARS);
  }

  String encode(long committedOffset) {
    StringBuilder out = new StringBuilder(VERSION).append("|d=");
    Long start = null;
    Long previous = null;
    for (long offset : done) {
      if (previous != null && offset == previous + 1) {
        previous = offset;
        continue;
      }
      appendRange(out, start, previous, committedOffset);
      start = offset;
      previous = offset;
    }
    appendRange(out, start, previous, committedOffset);
    out.append("|j=").append(String.join(",", recent));
    return out.toString();
  }

  private static void appendRange(StringBuilder out, Long start, Long end, long base) {
    if (start == null) {
      return;
    }
    if (out.charAt(out.length() - 1) != '=') {
      out.append(',');
    }
    out.append(start - base);
    if (!end.equals(start)) {
      out.append('-').append(end - base);
    }
  }

  /** What a committed offset's metadata says; empty for none, or for metadata not written by this version. */
  static CommitMetadata decode(String metadata, long committedOffset) {
    CommitMetadata decoded = empty();
    if (metadata == null || !metadata.startsWith(VERSION + "|")) {
      return decoded;
    }
    try {
      parse(metadata, committedOffset, decoded);
    } catch (RuntimeException malformed) {
      return empty(); // not ours after all: start from the committed offset alone
    }
    return decoded;
  }

  private static void parse(String metadata, long committedOffset, CommitMetadata decoded) {
    for (String part : metadata.split("\\|")) {
      if (part.startsWith("d=") && part.length() > 2) {
        for (String range : part.substring(2).split(",")) {
          String[] bounds = range.split("-");
          long from = Long.parseLong(bounds[0]);
          long to = bounds.length > 1 ? Long.parseLong(bounds[1]) : from;
          if (from < 0 || to < from || to - from > 1_000_000) {
            throw new IllegalArgumentException("range " + range);
          }
          for (long offset = from; offset <= to; offset++) {
            decoded.done.add(committedOffset + offset);
          }
        }
      } else if (part.startsWith("j=") && part.length() > 2) {
        decoded.recent.addAll(List.of(part.substring(2).split(",")));
      }
    }
  }

  /** This, with {@code ids} added as the most recent and only the last {@value #RECENT_IDS} kept. */
  static LinkedHashSet<String> withRecent(LinkedHashSet<String> recent, List<String> ids) {
    LinkedHashSet<String> next = new LinkedHashSet<>(recent);
    for (String id : ids) {
      next.remove(id);
      next.add(id);
    }
    List<String> trimmed = new ArrayList<>(next);
    return new LinkedHashSet<>(trimmed.subList(Math.max(0, trimmed.size() - RECENT_IDS), trimmed.size()));
  }
}
