package org.scix.pipeline.schemas.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.KnownLength;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.schemas.ProtocolVectors;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.input.TemplateInput;

class MarshallerTest {
  @Test
  void rawBytesPassThroughUntouchedWithAKnownLength() throws Exception {
    InputStream stream = RawBytesMarshaller.INSTANCE.stream(ProtocolVectors.INIT_REQUEST);
    assertThat(stream).isInstanceOf(KnownLength.class);
    assertThat(((KnownLength) stream).available()).isEqualTo(ProtocolVectors.INIT_REQUEST.length);
    assertThat(RawBytesMarshaller.INSTANCE.parse(stream)).isEqualTo(ProtocolVectors.INIT_REQUEST);
  }

  @Test
  void typedMarshallerRoundTripsAndTurnsGarbageIntoAStatusNotAnAvroException() {
    AvroMarshaller<TemplateInput> marshaller = new AvroMarshaller<>(SchemalessAvroCodec.of(TemplateInput.class));
    TemplateInput monitor = marshaller.parse(new ByteArrayInputStream(ProtocolVectors.MONITOR_REQUEST));
    assertThat(RawBytesMarshaller.INSTANCE.parse(marshaller.stream(monitor))).isEqualTo(ProtocolVectors.MONITOR_REQUEST);

    assertThatThrownBy(() -> marshaller.parse(new ByteArrayInputStream(new byte[] {0x00, (byte) 0x80})))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
  }
}
