package org.scix.pipeline.gateway.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class CronExpressionTest {
  private static final ZoneId UTC = ZoneId.of("UTC");

  private static ZonedDateTime next(String cron, String after, String zone) {
    return CronExpression.parse(cron).next(ZonedDateTime.parse(after).withZoneSameInstant(ZoneId.of(zone)));
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
