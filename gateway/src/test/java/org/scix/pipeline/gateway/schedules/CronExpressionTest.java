package org.scix.pipeline.gateway.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CronExpressionTest {
  private static final ZoneId UTC = ZoneId.of("UTC");

  private static ZonedDateTime next(String cron, String after, String zone) {
    return CronExpression.parse(cron).next(ZonedDateTime.parse(after).withZoneSameInstant(ZoneId.of(zone)));
  }

  /** The next {@code n} run instants (UTC) after {@code after}. */
  private static List<String> runs(String cron, String zone, String after, int n) {
    List<String> runs = new ArrayList<>();
    ZonedDateTime t = ZonedDateTime.parse(after).withZoneSameInstant(ZoneId.of(zone));
    for (int i = 0; i < n; i++) {
      t = CronExpression.parse(cron).next(t);
      runs.add(t.toInstant().toString());
    }
    return runs;
  }

  @Test
  void aFixedTimeJobRunsOnceOnTheFallBackNight() {
    // Berlin 2026-10-25: 03:00 CEST becomes 02:00 CET, so 02:30 happens at 00:30Z and again at 01:30Z.
    assertThat(runs("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2))
        .containsExactly("2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z");
    // Santiago 2026-04-05: midnight becomes 23:00 of the 4th, so 23:30 on the 4th happens twice.
    assertThat(runs("30 23 * * *", "America/Santiago", "2026-04-04T12:00:00Z", 2))
        .containsExactly("2026-04-05T02:30:00Z", "2026-04-06T03:30:00Z");
  }

  @Test
  void wildcardHourOrMinuteJobsRunByElapsedTimeThroughTheRepeatedHour() {
    assertThat(runs("0 * * * *", "Europe/Berlin", "2026-10-24T23:30:00Z", 3))
        .containsExactly("2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"); // 02:00 CEST, 02:00 CET, 03:00 CET
    assertThat(runs("*/15 * * * *", "Europe/Berlin", "2026-10-25T00:40:00Z", 2))
        .containsExactly("2026-10-25T00:45:00Z", "2026-10-25T01:00:00Z");
  }

  @Test
  void aFixedTimeJobInTheSpringForwardGapRunsOnceRightAfterTheGap() {
    // Berlin 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00Z); 02:00 and 02:30 do not exist.
    assertThat(runs("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2))
        .containsExactly("2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z");
    assertThat(runs("0,30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2)) // both land on the gap's end: one run
        .containsExactly("2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z");
    // Wildcard jobs have nothing to run in the gap: elapsed time goes on after it.
    assertThat(runs("*/30 * * * *", "Europe/Berlin", "2026-03-29T00:30:00Z", 1)).containsExactly("2026-03-29T01:00:00Z");
  }

  @Test
  void aZoneWhoseMidnightIsSkippedStillRunsTheDaysHourZeroTick() {
    // Santiago 2026-09-06: 00:00 -04 becomes 01:00 -03 (04:00Z).
    assertThat(ZoneId.of("America/Santiago").getRules().getTransition(java.time.LocalDateTime.parse("2026-09-06T00:00")).isGap()).isTrue();
    assertThat(runs("0 0 * * *", "America/Santiago", "2026-09-05T12:00:00Z", 2))
        .containsExactly("2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z");
    // The day after a day that does not match starts at its own midnight, not an hour late.
    assertThat(runs("0 * * * 1", "America/Santiago", "2026-09-06T12:00:00Z", 1)).containsExactly("2026-09-07T03:00:00Z");
  }

  @Test
  void nightlyAtTwoFindsTheNextTwoOClockInItsZone() {
    assertThat(next("0 2 * * *", "2026-12-03T15:00:00Z", "UTC")).isEqualTo(ZonedDateTime.parse("2026-12-04T02:00Z[UTC]"));
    assertThat(next("0 2 * * *", "2026-12-03T15:00:00Z", "America/New_York").toInstant().toString()).isEqualTo("2026-12-04T07:00:00Z");
  }

  @Test
  void stepsListsRangesAndWeekdays() {
    assertThat(next("*/15 * * * *", "2026-12-03T15:07:30Z", "UTC")).isEqualTo(ZonedDateTime.parse("2026-12-03T15:15Z[UTC]"));
    assertThat(next("0 9 * * 1-5", "2026-12-04T10:00:00Z", "UTC")).isEqualTo(ZonedDateTime.parse("2026-12-07T09:00Z[UTC]")); // Fri -> Mon
    assertThat(next("30 8,20 1 * *", "2026-12-03T00:00:00Z", "UTC")).isEqualTo(ZonedDateTime.parse("2027-01-01T08:30Z[UTC]"));
    assertThat(next("0 0 * * 7", "2026-12-03T00:00:00Z", "UTC").getDayOfWeek().getValue()).isEqualTo(7); // 7 is Sunday too
  }

  @Test
  void strictlyAfterTheGivenTime() {
    assertThat(next("0 2 * * *", "2026-12-04T02:00:00Z", "UTC")).isEqualTo(ZonedDateTime.parse("2026-12-05T02:00Z[UTC]"));
  }

  @Test
  void anImpossibleDateHasNoNextTime() {
    assertThat(next("0 0 30 2 *", "2026-12-03T00:00:00Z", "UTC")).isNull();
  }

  @Test
  void aMalformedExpressionNamesTheWrongField() {
    assertThatThrownBy(() -> CronExpression.parse("0 25 * * *")).hasMessageContaining("hour '25'");
    assertThatThrownBy(() -> CronExpression.parse("0 2 * *")).hasMessageContaining("5 fields");
    assertThatThrownBy(() -> CronExpression.parse("x 2 * * *")).hasMessageContaining("minute 'x'");
  }
}
