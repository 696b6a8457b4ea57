package org.scix.pipeline.schemas.avro;

import org.apache.avro.Schema;

/** Schema comparisons that ignore what the binary encoding ignores. */
public final class AvroSchemas {
  private AvroSchemas() {}

  /**
   * True when both schemas encode every datum to the same bytes and carry the same field and
   * symbol names: identical but for namespaces, docs and defaults of non-union positions.
   */
  public static boolean sameShape(Schema a, Schema b) {
    if (a.getType() != b.getType()) {
      return false;
    }
    return switch (a.getType()) {
      case RECORD -> {
        if (!a.getName().equals(b.getName()) || a.getFields().size() != b.getFields().size()) {
          yield false;
        }
        for (int i = 0; i < a.getFields().size(); i++) {
          Schema.Field fa = a.getFields().get(i);
          Schema.Field fb = b.getFields().get(i);
          if (!fa.name().equals(fb.name()) || !sameShape(fa.schema(), fb.schema())) {
            yield false;
          }
        }
        yield true;
      }
      case ENUM -> a.getName().equals(b.getName()) && a.getEnumSymbols().equals(b.getEnumSymbols());
      case UNION -> {
        if (a.getTypes().size() != b.getTypes().size()) {
          yield false;
        }
        for (int i = 0; i < a.getTypes().size(); i++) {
          if (!sameShape(a.getTypes().get(i), b.getTypes().get(i))) {
            yield false;
          }
        }
        yield true;
      }
      case ARRAY -> sameShape(a.getElementType(), b.getElementType());
      case MAP -> sameShape(a.getValueType(), b.getValueType());
      case FIXED -> a.getFixedSize() == b.getFixedSize();
      default -> true;
    };
  }
}
