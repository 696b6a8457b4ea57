package org.scix.pipeline.gateway.schedules;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.BitSet;

/**
 * A five-field cron expression (minute, hour, day of month, month, day of week; 0 or 7 is
 * Sunday), each field {@code *}, a number, a range {@code a-b}, a step {@code * /n} or {@code a-b/n}, or
 * a comma-separated list of those. As in Vixie cron, when both day fields are restricted a day
 * matches either.
 *
 * <p>Times are read in the schedule's time zone, and daylight-saving changes follow Vixie cron:
 * <ul>
 *   <li>A <em>fixed-time</em> job (neither minute nor hour begins with {@code *}, e.g. {@code 30 2 * * *})
 *       runs once per matching wall-clock time: in a repeated (fall-back) hour at its first
 *       occurrence only; in a skipped (spring-forward) gap once, at the first instant after the gap
 *       (so {@code 0 0 * * *} still runs on a day whose midnight is skipped). Several times in one
 *       gap land on that one instant, and so make one tick.
 *   <li>A job whose minute or hour begins with {@code *} (e.g. {@code *}{@code /15 * * * *}, {@code 0 * * * *})
 *       runs by elapsed time: at each real instant whose wall-clock time matches, so in both
 *       passes of a repeated hour and not at all in a skipped one.
 * </ul>
 */
public final class CronExpression {
  private static final String[] NAMES = {"minute", "hour", "day of month", "month", "day of week"};
  private static final int[][] RANGES = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}};

  private final String text;
  private final BitSet[] fields = new BitSet[5];
  private final boolean dayOfMonthAny;
  private final boolean dayOfWeekAny;
  private final boolean fixedTime;

  private CronExpression(String text) {
    this.text = text;
    String[] parts = text.trim().split("\\s+");
    if (parts.length != 5) {
      throw new IllegalArgumentException("a cron expression has 5 fields (minute hour day-of-month month day-of-week), got "
          + parts.length + " in '" + text + "'");
    }
    for (int i = 0; i < 5; i++) {
      fields[i] = parseField(parts[i], i);
    }
    if (fields[4].get(7)) {
      fields[4].set(0);
    }
    dayOfMonthAny = parts[2].equals("*");
    dayOfWeekAny = parts[4].equals("*");
    fixedTime = !parts[0].startsWith("*") && !parts[1].startsWith("*"); // Vixie's test (MIN_STAR, HR_STAR)
  }

  /** @throws IllegalArgumentException naming the field that is wrong */
  public static CronExpression parse(String text) {
    return new CronExpression(text);
  }

  /**
   * The first time strictly after {@code after} when the job runs (see the class comment for
   * daylight-saving changes), or null if none within 5 years (e.g. 30 February).
   */
  public ZonedDateTime next(ZonedDateTime after) {
    return fixedTime ? nextFixedTime(after) : nextByElapsedTime(after);
  }

  /**
   * Walks wall-clock times, each run at its first instant (or the gap's end): that mapping never
   * goes back in time, so the first match after {@code after}'s own wall-clock time that lands
   * after {@code after} is the next run, and a repeated hour's second pass lands before it.
   */
  private ZonedDateTime nextFixedTime(ZonedDateTime after) {
    LocalDateTime local = after.toLocalDateTime().truncatedTo(ChronoUnit.MINUTES);
    LocalDateTime limit = local.plusYears(5);
    while ((local = nextLocalMatch(local.plusMinutes(1), limit)) != null) {
      ZonedDateTime at = firstInstant(local, after.getZone());
      if (at.isAfter(after)) {
        return at;
      }
    }
    return null;
  }

  /** The first matching wall-clock time at or after {@code t}, or null if none before {@code limit}. */
  private LocalDateTime nextLocalMatch(LocalDateTime t, LocalDateTime limit) {
    while (t.isBefore(limit)) {
      if (!fields[3].get(t.getMonthValue())) {
        t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
      } else if (!dayMatches(t)) {
        t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
      } else if (!fields[1].get(t.getHour())) {
        t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
      } else if (!fields[0].get(t.getMinute())) {
        t = t.plusMinutes(1);
      } else {
        return t;
      }
    }
    return null;
  }

  /** {@code local}'s first instant in {@code zone}; in a gap, the instant the gap ends (not java.time's shift by the gap's length). */
  private static ZonedDateTime firstInstant(LocalDateTime local, ZoneId zone) {
    ZoneOffsetTransition transition = zone.getRules().getTransition(local);
    if (transition != null && transition.isGap()) {
      return transition.getInstant().atZone(zone);
    }
    return ZonedDateTime.of(local, zone); // in an overlap, the earlier offset
  }

  /**
   * Walks real instants, so a repeated hour is walked twice and a skipped one never. Each step
   * moves forward in time: days and months to the next local start of day (the first instant after
   * a gap at midnight), hours by the minutes left in this one.
   */
  private ZonedDateTime nextByElapsedTime(ZonedDateTime after) {
    ZoneId zone = after.getZone();
    ZonedDateTime t = after.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    ZonedDateTime limit = after.plusYears(5);
    while (t.isBefore(limit)) {
      if (!fields[3].get(t.getMonthValue())) {
        t = t.toLocalDate().withDayOfMonth(1).plusMonths(1).atStartOfDay(zone);
      } else if (!dayMatches(t.toLocalDateTime())) {
        t = t.toLocalDate().plusDays(1).atStartOfDay(zone);
      } else if (!fields[1].get(t.getHour())) {
        t = t.plusMinutes(60 - t.getMinute());
      } else if (!fields[0].get(t.getMinute())) {
        t = t.plusMinutes(1);
      } else {
        return t;
      }
    }
    return null;
  }

  /** {@link #next} for epoch milliseconds in {@code zone}; Long.MAX_VALUE if none. */
  public long nextMillis(long afterMillis, ZoneId zone) {
    ZonedDateTime next = next(ZonedDateTime.ofInstant(Instant.ofEpochMilli(afterMillis), zone));
    return next == null ? Long.MAX_VALUE : next.toInstant().toEpochMilli();
  }

  private boolean dayMatches(LocalDateTime t) {
    boolean dom = fields[2].get(t.getDayOfMonth());
    boolean dow = fields[4].get(t.getDayOfWeek().getValue() % 7);
    if (dayOfMonthAny || dayOfWeekAny) {
      return dom && dow;
    }
    return dom || dow;
  }

  private static BitSet parseField(String field, int index) {
    int min = RANGES[index][0];
    int max = RANGES[index][1];
    BitSet bits = new BitSet(max + 1);
    for (String item : field.split(",")) {
      try {
        int step = 1;
        String range = item;
        int slash = item.indexOf('/');
        if (slash >= 0) {
          step = Integer.parseInt(item.substring(slash + 1));
          range = item.substring(0, slash);
          if (step < 1) {
            throw new NumberFormatException();
          }
        }
        int from;
        int to;
        if (range.equals("*")) {
          from = min;
          to = max;
        } else if (range.contains("-")) {
          from = Integer.parseInt(range.substring(0, range.indexOf('-')));
          to = Integer.parseInt(range.substring(range.indexOf('-') + 1));
        } else {
          from = Integer.parseInt(range);
          to = slash >= 0 ? max : from;
        }
        if (from < min || to > max || from > to) {
          throw new IllegalArgumentException(NAMES[index] + " '" + item + "' is outside " + min + "-" + max);
        }
        for (int v = from; v <= to; v += step) {
          bits.set(v);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(NAMES[index] + " '" + item + "' is not a number, range, list or step");
      }
    }
    return bits;
  }

  @Override
  public String toString() {
    return text;
  }
}
