package org.scix.pipeline.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;

/**
 * The original pipeline's schemas, byte for byte as the Python clients know them.
 *
 * <p>The gateway registers {@link #TEMPLATE_INPUT_TEXT} under the subject clients fetch
 * ({@value #TEMPLATE_INPUT_SUBJECT}); generated classes use a namespaced copy, which encodes
 * identically because Avro's binary encoding carries no names.
 */
public final class SeedSchemas {
  /** Subject the existing clients fetch with {@code GET /subjects/TemplateInputSchema/versions/latest}. */
  public static final String TEMPLATE_INPUT_SUBJECT = "TemplateInputSchema";
  /** The subject the Python template's pipeline code fetched the request schema from; registered too, with the same schema. */
  public static final String PYTHON_PIPELINE_SUBJECT = "TEMPLATEInputSchema";

  public static final String TEMPLATE_INPUT_TEXT = load("schemas/TEMPLATEInputSchema.avsc");
  public static final String TEMPLATE_OUTPUT_TEXT = load("schemas/TEMPLATEOutputSchema.avsc");

  private SeedSchemas() {}

  public static Schema templateInput() {
    return new Schema.Parser().parse(TEMPLATE_INPUT_TEXT);
  }

  public static Schema templateOutput() {
    return new Schema.Parser().parse(TEMPLATE_OUTPUT_TEXT);
  }

  private static String load(String resource) {
    try (InputStream in = SeedSchemas.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
