package org.scix.pipeline.gateway.errors;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientInputTest {
  @Test
  void aShortValueIsQuotedWholeAndNullAsTheWordNull() {
    assertThat(ClientInput.abbreviate("2026-13-01")).isEqualTo("2026-13-01");
    assertThat(ClientInput.abbreviate(null)).isEqualTo("null");
  }

  @Test
  void aLongValueIsCutAndSaysHowLongItWas() {
    String quoted = ClientInput.abbreviate("x".repeat(1_000_000));
    assertThat(quoted).startsWith("x".repeat(ClientInput.QUOTED_CHARS) + "...").endsWith("(1000000 chars)");
    assertThat(quoted.length()).isLessThan(ClientInput.QUOTED_CHARS + 30);
  }
}
