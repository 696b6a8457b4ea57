package org.scix.pipeline.worker.runner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a worker stores in the metadata of a partition's committed offset, so that whoever owns
 * the partition next (itself after a restart, or another worker) continues exactly where it left
 * off (the idea of Confluent's Parallel Consumer):
 *
 * <ul>
 *   <li>{@code done}: offsets at or above the committed offset whose jobs already ended and were
 *       committed with their results (jobs finish out of order; the committed offset stays at the
 *       first one still running). They are skipped, not run again.
 *   <li>{@code recent}: the ids of jobs committed (ended or parked) on the partition whose id can
 *       come again (derived from an idempotency key, a dead letter, a schedule tick, a batch
 *       entry: two gateway replicas racing on one key write two records), each with its record's
 *       timestamp, kept for a window of record time ({@code duplicateWindow}, longer than a
 *       submit transaction may stay open) so that a second record of the same job is skipped,
 *       not run twice. Ids a gateway drew at random cannot come again and are not kept.
 * </ul>
 *
 * <p>Encoded as {@code v2|d=3-10,12|n=<epoch ms>|j=<id>.<age s>,...}: done offsets as ranges
 * relative to the committed offset, the newest kept record time, ids shortened to
 * {@value #ID_CHARS} hex characters with their age in seconds below it. Kafka keeps at most 4096
 * bytes of metadata by default ({@code offset.metadata.max.bytes}); {@link #MAX_CHARS} stays under
 * it, and at most {@value #MAX_RECENT_IDS} ids are kept (the oldest go first, with a warning, when
 * more fall in one window). Metadata of version 1 (ids without times) is read, its ids kept for a
 * window from the next commit.
 */
record CommitMetadata(NavigableSet<Long> done, LinkedHashMap<String, Long> recent) {
  private static final Logger log = LoggerFactory.getLogger(CommitMetadata.class);
  static final int MAX_CHARS = 4000;
  static final int ID_CHARS = 16;
  /** About 2,800 characters at most, leaving the rest of {@link #MAX_CHARS} to the done offsets. */
  static final int MAX_RECENT_IDS = 120;
  /** Record time not known (read from version 1): the next commit's newest time stands in. */
  static final long UNKNOWN_TIME = -1;
  private static final String VERSION = "v2";
  private static final String VERSION_1 = "v1";
  private static final long WARN_EVERY_MS = 60_000;
  private static final AtomicLong lastWindowWarning = new AtomicLong();

  static CommitMetadata empty() {
    return new CommitMetadata(new TreeSet<>(), new LinkedHashMap<>());
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
    long newest = newest(recent);
    out.append("|n=").append(newest).append("|j=");
    boolean first = true;
    for (Map.Entry<String, Long> id : recent.entrySet()) {
      out.append(first ? "" : ",").append(id.getKey()).append('.').append(Math.max(0, (newest - id.getValue()) / 1000));
      first = false;
    }
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

  /** What a committed offset's metadata says; empty for none, or for metadata not written by this code. */
  static CommitMetadata decode(String metadata, long committedOffset) {
    CommitMetadata decoded = empty();
    if (metadata == null || !(metadata.startsWith(VERSION + "|") || metadata.startsWith(VERSION_1 + "|"))) {
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
    long newest = UNKNOWN_TIME;
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
      } else if (part.startsWith("n=")) {
        newest = Long.parseLong(part.substring(2));
      } else if (part.startsWith("j=") && part.length() > 2) {
        for (String id : part.substring(2).split(",")) {
          int dot = id.indexOf('.');
          long time = dot < 0 || newest == UNKNOWN_TIME ? UNKNOWN_TIME : newest - Long.parseLong(id.substring(dot + 1)) * 1000;
          decoded.recent.put(dot < 0 ? id : id.substring(0, dot), time);
        }
      }
    }
  }

  /**
   * {@code recent} with {@code ids} (short id to record time) added as the most recent; of them
   * all, only those within {@code window} of the newest record time, and at most
   * {@value #MAX_RECENT_IDS}, are kept.
   */
  static LinkedHashMap<String, Long> withRecent(LinkedHashMap<String, Long> recent, Map<String, Long> ids, Duration window) {
    long newest = Math.max(newest(recent), newest(ids));
    LinkedHashMap<String, Long> next = new LinkedHashMap<>();
    recent.forEach((id, time) -> next.put(id, time == UNKNOWN_TIME ? newest : time));
    ids.forEach((id, time) -> {
      next.remove(id);
      next.put(id, time == UNKNOWN_TIME ? newest : time);
    });
    next.values().removeIf(time -> time < newest - window.toMillis());
    int over = next.size() - MAX_RECENT_IDS;
    if (over > 0) {
      List<String> oldest = new ArrayList<>(next.keySet()).subList(0, over);
      warnWindowCutShort(over, newest - next.get(oldest.get(oldest.size() - 1)));
      for (Iterator<String> it = oldest.iterator(); it.hasNext(); ) {
        next.remove(it.next());
      }
    }
    return next;
  }

  private static long newest(Map<String, Long> ids) {
    long newest = UNKNOWN_TIME;
    for (long time : ids.values()) {
      newest = Math.max(newest, time);
    }
    return newest;
  }

  private static void warnWindowCutShort(int dropped, long youngestDroppedAgeMs) {
    long now = System.currentTimeMillis();
    long last = lastWindowWarning.get();
    if (now - last >= WARN_EVERY_MS && lastWindowWarning.compareAndSet(last, now)) {
      log.warn("more than {} jobs with derived ids (idempotency keys, replays, ticks, batch entries) committed on one partition within "
          + "the duplicate window: {} forgotten early (the youngest {} ms old); a second record of one of them would run again. "
          + "More input partitions spread them.", MAX_RECENT_IDS, dropped, youngestDroppedAgeMs);
    }
  }
}
