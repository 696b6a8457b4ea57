package org.scix.pipeline.gateway.schedules;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;

/**
 * A five-field cron expression (minute, hour, day of month, month, day of week; 0 or 7 is
 * Sunday), each field {@code *}, a number, a range {@code a-b}, a step {@code * /n} or {@code a-b/n}, or
 * a comma-separated list of those. As in Vixie cron, when both day fields are restricted a day
 * matches either. Times are read in the schedule's time zone: a tick in a skipped hour (a
 * daylight-saving gap) does not happen, one in a repeated hour happens once (the first).
 */
public final class CronExpression {
  private static final String[] NAMES = {"minute", "hour", "day of month", "month", "day of week"};
  private static final int[][] RANGES = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}};

  private final String text;
  private final BitSet[] fields = new BitSet[5];
  private final boolean dayOfMonthAny;
  private final boolean dayOfWeekAny;

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
  }

  /** @throws IllegalArgumentException naming the field that is wrong */
  public static CronExpression parse(String text) {
    return new CronExpression(text);
  }

  /** The first time strictly after {@code after} that matches, or null if none within 5 years (e.g. 30 February). */
  public ZonedDateTime next(ZonedDateTime after) {
    ZonedDateTime t = after.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    ZonedDateTime limit = after.plusYears(5);
    while (t.isBefore(limit)) {
      if (!fields[3].get(t.getMonthValue())) {
        t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
        continue;
      }
      if (!dayMatches(t)) {
        t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
        continue;
      }
      if (!fields[1].get(t.getHour())) {
        t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
        continue;
      }
      if (!fields[0].get(t.getMinute())) {
        t = t.plusMinutes(1);
        continue;
      }
      return t;
    }
    return null;
  }

  /** {@link #next} for epoch milliseconds in {@code zone}; Long.MAX_VALUE if none. */
  public long nextMillis(long afterMillis, ZoneId zone) {
    ZonedDateTime next = next(ZonedDateTime.ofInstant(java.time.Instant.ofEpochMilli(afterMillis), zone));
    return next == null ? Long.MAX_VALUE : next.toInstant().toEpochMilli();
  }

  private boolean dayMatches(ZonedDateTime t) {
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
