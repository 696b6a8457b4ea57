package org.scix.pipeline.core.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanKind;
import org.junit.jupiter.api.Test;

class TracingTest {
  private static final String PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @Test
  void withoutAnSdkTheCallersTraceparentPassesThroughUnchanged() {
    Tracing.JobSpan span = Tracing.start("submit job", SpanKind.PRODUCER, PARENT, "a".repeat(64));

    assertThat(span.traceparent()).isEqualTo(PARENT);
    span.end(null);
  }

  @Test
  void noTraceparentInMeansNoneOutAndAMalformedOneIsIgnored() {
    assertThat(Tracing.start("submit job", SpanKind.PRODUCER, null, "j").traceparent()).isNull();
    assertThat(Tracing.start("submit job", SpanKind.PRODUCER, "00-nonsense", "j").traceparent()).isNull();
  }
}
