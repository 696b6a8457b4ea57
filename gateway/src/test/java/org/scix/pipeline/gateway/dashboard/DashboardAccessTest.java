package org.scix.pipeline.gateway.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The dashboard's access rules, one request at a time: loopback vs token, Origin, the compare, the live stream's token. */
class DashboardAccessTest {
  private static final String TOKEN = "0123456789abcdef0123";
  private static final DashboardAccess LOOPBACK_WITH_TOKEN = access("127.0.0.1", TOKEN);
  private static final DashboardAccess LOOPBACK_NO_TOKEN = access("127.0.0.1", null);
  private static final DashboardAccess EXPOSED = access("0.0.0.0", TOKEN);

  private final Map<String, String> headers = new HashMap<>(Map.of("Host", "127.0.0.1:8088"));

  @Test
  void readsOnLoopbackNeedNoToken() {
    assertThat(LOOPBACK_WITH_TOKEN.check(false, "/api/overview", null, headers::get)).isNull();
    assertThat(LOOPBACK_NO_TOKEN.check(false, "/api/jobs", null, headers::get)).isNull();
  }

  @Test
  void readsBeyondLoopbackNeedTheToken() {
    assertThat(EXPOSED.check(false, "/api/overview", null, headers::get)).isEqualTo(new DashboardAccess.Denial(401,
        "this needs the dashboard token (header X-Dashboard-Token)"));
    headers.put(DashboardAccess.TOKEN_HEADER, TOKEN);
    assertThat(EXPOSED.check(false, "/api/overview", null, headers::get)).isNull();
  }

  @Test
  void anActionNeedsTheRightTokenEvenOnLoopback() {
    assertThat(LOOPBACK_WITH_TOKEN.check(true, "/api/jobs/x/cancel", null, headers::get).status()).isEqualTo(401);
    headers.put(DashboardAccess.TOKEN_HEADER, TOKEN + "x");
    assertThat(LOOPBACK_WITH_TOKEN.check(true, "/api/jobs/x/cancel", null, headers::get).status()).isEqualTo(403);
    headers.put(DashboardAccess.TOKEN_HEADER, TOKEN.substring(1));
    assertThat(LOOPBACK_WITH_TOKEN.check(true, "/api/jobs/x/cancel", null, headers::get).status()).isEqualTo(403);
    headers.put(DashboardAccess.TOKEN_HEADER, TOKEN);
    assertThat(LOOPBACK_WITH_TOKEN.check(true, "/api/jobs/x/cancel", null, headers::get)).isNull();
  }

  @Test
  void aBearerTokenCountsAsTheHeader() {
    headers.put("Authorization", "Bearer " + TOKEN);
    assertThat(LOOPBACK_WITH_TOKEN.check(true, "/api/jobs/x/cancel", null, headers::get)).isNull();
  }

  @Test
  void actionsAreOffWithoutAConfiguredToken() {
    headers.put(DashboardAccess.TOKEN_HEADER, TOKEN);
    DashboardAccess.Denial denial = LOOPBACK_NO_TOKEN.check(true, "/api/jobs/x/cancel", null, headers::get);
    assertThat(denial.status()).isEqualTo(403);
    assertThat(denial.reason()).contains("DASHBOARD_TOKEN");
  }

  @Test
  void anActionFromAnotherSiteIsRefusedEvenWithTheToken() {
    headers.put(DashboardAccess.TOKEN_HEADER, TOKEN);
    headers.put("Origin", "https://evil.example");
    assertThat(LOOPBACK_WITH_TOKEN.check(true, "/api/jobs/x/cancel", null, headers::get).reason()).contains("cross-site");
    headers.put("Origin", "http://127.0.0.1:8088");
    assertThat(LOOPBACK_WITH_TOKEN.check(true, "/api/jobs/x/cancel", null, headers::get)).isNull();
  }

  @Test
  void onlyTheLiveStreamTakesTheTokenAsAQueryParameter() {
    assertThat(EXPOSED.check(false, DashboardAccess.EVENTS_PATH, "token=" + TOKEN, headers::get)).isNull();
    assertThat(EXPOSED.check(false, "/api/overview", "token=" + TOKEN, headers::get).status()).isEqualTo(401);
    assertThat(EXPOSED.check(true, "/api/jobs/x/cancel", "token=" + TOKEN, headers::get).status()).isEqualTo(401);
  }

  @Test
  void theDescriptionNeverContainsTheToken() {
    assertThat(EXPOSED.describe()).doesNotContain(TOKEN);
    assertThat(new DashboardSettings(true, "0.0.0.0", 8088, Optional.of(TOKEN), "g").toString()).doesNotContain(TOKEN);
  }

  private static DashboardAccess access(String host, String token) {
    return new DashboardAccess(new DashboardSettings(true, host, 8088, Optional.ofNullable(token), "workers"));
  }
}
