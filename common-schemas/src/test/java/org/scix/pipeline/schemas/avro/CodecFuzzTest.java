package org.scix.pipeline.schemas.avro;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.scix.pipeline.schemas.ProtocolVectors;
import org.scix.pipeline.schemas.input.TemplateInput;

/**
 * A seeded mutation fuzzer over the PROTOCOL.md vectors: every input either decodes to a
 * request that re-encodes to a valid message, or is rejected with {@link InvalidAvroException}.
 * Any other exception (or an OutOfMemoryError from a claimed length) fails the test.
 */
class CodecFuzzTest {
  private static final int INPUTS = 200_000;
  private final SchemalessAvroCodec<TemplateInput> codec = SchemalessAvroCodec.of(TemplateInput.class);

  @Test
  void mutatedAndRandomInputsDecodeOrFailCleanly() {
    Random random = new Random(20261125L);
    byte[][] seeds = {ProtocolVectors.INIT_REQUEST, ProtocolVectors.MONITOR_REQUEST, ProtocolVectors.INIT_RESPONSE};
    int decoded = 0;
    int rejected = 0;
    for (int i = 0; i < INPUTS; i++) {
      byte[] input = mutate(seeds[random.nextInt(seeds.length)], random);
      try {
        TemplateInput value = codec.decode(input);
        assertThat(codec.decode(codec.encode(value))).isEqualTo(value);
        decoded++;
      } catch (InvalidAvroException expected) {
        rejected++;
      }
    }
    assertThat(decoded + rejected).isEqualTo(INPUTS);
    // The mutator must reach both outcomes, or it is not exercising the decoder.
    assertThat(decoded).isGreaterThan(1_000);
    assertThat(rejected).isGreaterThan(1_000);
  }

  private static byte[] mutate(byte[] seed, Random random) {
    byte[] out = seed.clone();
    switch (random.nextInt(6)) {
      case 0 -> out[random.nextInt(out.length)] = (byte) random.nextInt(256);
      case 1 -> out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
      case 2 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length + 1));
      case 3 -> {
        byte[] longer = java.util.Arrays.copyOf(out, out.length + 1 + random.nextInt(8));
        for (int i = out.length; i < longer.length; i++) {
          longer[i] = (byte) random.nextInt(256);
        }
        out = longer;
      }
      case 4 -> {
        out = new byte[random.nextInt(80)];
        random.nextBytes(out);
      }
      default -> {
        for (int k = 0; k < 1 + random.nextInt(4); k++) {
          out[random.nextInt(out.length)] = (byte) random.nextInt(256);
        }
      }
    }
    return out;
  }
}
