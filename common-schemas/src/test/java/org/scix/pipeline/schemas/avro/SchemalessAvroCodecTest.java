package org.scix.pipeline.schemas.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.scix.pipeline.schemas.ProtocolVectors.HASH;
import static org.scix.pipeline.schemas.ProtocolVectors.INIT_REQUEST;
import static org.scix.pipeline.schemas.ProtocolVectors.INIT_RESPONSE;
import static org.scix.pipeline.schemas.ProtocolVectors.MONITOR_REQUEST;
import static org.scix.pipeline.schemas.ProtocolVectors.hex;

import java.util.Arrays;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.scix.pipeline.schemas.SeedSchemas;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.taskenum;

class SchemalessAvroCodecTest {
  private final SchemalessAvroCodec<TemplateInput> codec = SchemalessAvroCodec.of(TemplateInput.class);

  @Test
  void decodesTheOriginalClientsInitRequest() {
    TemplateInput request = codec.decode(INIT_REQUEST);

    assertThat(request.getHash()).isNull();
    assertThat(request.getId()).isNull();
    assertThat(request.getTask()).isEqualTo(taskenum.SYMBOL1);
    assertThat(request.getStatus()).isNull();
    assertThat(request.getTaskArgs().getIngest()).isTrue();
    assertThat(request.getTaskArgs().getIngestType()).isEqualTo("metadata");
    assertThat(request.getTaskArgs().getDaterange()).isEqualTo("2023-04-26");
    assertThat(request.getTaskArgs().getPersistence()).isFalse();
  }

  @Test
  void encodesThePendingAnswerByteForByte() {
    TemplateInput response = TemplateInput.newBuilder()
        .setHash(HASH).setId(null).setTask(taskenum.SYMBOL1).setStatus(statusenum.Pending)
        .setTaskArgs(task_args_record.newBuilder().setIngest(true).setIngestType("metadata")
            .setDaterange("2023-04-26").setPersistence(null).build())
        .build();

    assertThat(codec.encode(response)).isEqualTo(INIT_RESPONSE);
  }

  @Test
  void decodesTheOriginalClientsMonitorRequestAndReencodesItIdentically() {
    TemplateInput monitor = codec.decode(MONITOR_REQUEST);

    assertThat(monitor.getHash()).isEqualTo(HASH);
    assertThat(monitor.getTask()).isEqualTo(taskenum.MONITOR);
    assertThat(monitor.getTaskArgs().getPersistence()).isTrue();
    assertThat(codec.encode(monitor)).isEqualTo(MONITOR_REQUEST);
  }

  @Test
  void generatedSchemaHasTheSeedSchemasShape() {
    assertThat(AvroSchemas.sameShape(TemplateInput.getClassSchema(), SeedSchemas.templateInput())).isTrue();
    SchemalessAvroCodec<TemplateInput> seedWire = SchemalessAvroCodec.of(TemplateInput.class, SeedSchemas.templateInput());
    assertThat(seedWire.encode(codec.decode(INIT_REQUEST))).isEqualTo(INIT_REQUEST);
  }

  @Test
  void zeroByteMessageIsRejectedWithAReason() {
    assertThatThrownBy(() -> codec.decode(new byte[0]))
        .isInstanceOf(InvalidAvroException.class).hasMessageContaining("empty message");
  }

  @Test
  void stringLengthOfTwoToThe31IsRejectedWithoutAllocating() {
    // hash branch 0 (string), then length varint zig-zag(2^31) = 0x80 0x80 0x80 0x80 0x10
    byte[] hostile = hex("00 8080808010 00");
    assertThatThrownBy(() -> codec.decode(hostile))
        .isInstanceOf(InvalidAvroException.class).hasMessageContaining("length 2147483648 exceeds");
  }

  @Test
  void everyTruncationOfAValidRequestIsRejected() {
    for (int n = 1; n < INIT_REQUEST.length; n++) {
      byte[] truncated = Arrays.copyOf(INIT_REQUEST, n);
      assertThatThrownBy(() -> codec.decode(truncated)).as("first %d bytes", n).isInstanceOf(InvalidAvroException.class);
    }
  }

  @Test
  void trailingBytesAreRejected() {
    byte[] longer = Arrays.copyOf(INIT_REQUEST, INIT_REQUEST.length + 1);
    assertThatThrownBy(() -> codec.decode(longer))
        .isInstanceOf(InvalidAvroException.class).hasMessageContaining("trailing");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "04 02 00 00 020102106d657461646174610214323032332d30342d32360000", // hash union branch 2 of 2
      "02 02 08 00 020102106d657461646174610214323032332d30342d32360000", // task enum index 4 of 4
      "02 02 00 04 020102106d657461646174610214323032332d30342d32360000", // status branch 2
      "02 02 00 02 0a 0102106d657461646174610214323032332d30342d32360000", // status enum index 5
      "02 02 00 00 020502106d657461646174610214323032332d30342d32360000", // boolean byte 5
      "02 02 01 00 020102106d657461646174610214323032332d30342d32360000", // negative enum index
      "02 02 ffffffffffffffffffff01",                                    // varint longer than an int
  })
  void outOfRangeIndexesAndBadPrimitivesAreRejected(String hexBytes) {
    assertThatThrownBy(() -> codec.decode(hex(hexBytes))).isInstanceOf(InvalidAvroException.class);
  }

  @Test
  void readsRequestsEncodedWithANewerCompatibleSchemaAndAnswersInIt() {
    // A newer registered version adds a field with a default at the end.
    String newer = SeedSchemas.TEMPLATE_INPUT_TEXT.trim();
    newer = newer.substring(0, newer.lastIndexOf(']')) + ", {\"name\": \"priority\", \"type\": \"int\", \"default\": 0}]}";
    Schema newerSchema = new Schema.Parser().parse(newer);
    SchemalessAvroCodec<TemplateInput> newerWire = SchemalessAvroCodec.of(TemplateInput.class, newerSchema);
    byte[] newerRequest = Arrays.copyOf(INIT_REQUEST, INIT_REQUEST.length + 1);
    newerRequest[newerRequest.length - 1] = 0x0a; // priority 5

    TemplateInput decoded = newerWire.decode(newerRequest);
    assertThat(decoded.getTaskArgs().getIngestType()).isEqualTo("metadata");
    byte[] answer = newerWire.encode(decoded);
    assertThat(answer).hasSize(INIT_REQUEST.length + 1);
    assertThat(answer[answer.length - 1]).isZero(); // our answer carries the default for the unknown field
  }
}
