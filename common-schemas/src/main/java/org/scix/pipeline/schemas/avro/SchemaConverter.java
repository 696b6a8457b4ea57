package org.scix.pipeline.schemas.avro;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;

/**
 * Re-shapes a datum into another, compatible schema by field and symbol names, filling fields the
 * source lacks with their defaults. Used to answer a client in the newest registered schema
 * version when our generated classes are an older one.
 */
public final class SchemaConverter {
  private SchemaConverter() {}

  public static Object convert(Object value, Schema target) {
    switch (target.getType()) {
      case UNION -> {
        if (value == null) {
          return null;
        }
        for (Schema branch : target.getTypes()) {
          if (branch.getType() != Schema.Type.NULL && fits(value, branch)) {
            return convert(value, branch);
          }
        }
        throw new IllegalArgumentException("no branch of " + target + " takes " + value.getClass());
      }
      case RECORD -> {
        IndexedRecord source = (IndexedRecord) value;
        GenericRecord out = new GenericData.Record(target);
        for (Schema.Field f : target.getFields()) {
          Schema.Field sf = source.getSchema().getField(f.name());
          if (sf != null) {
            out.put(f.pos(), convert(source.get(sf.pos()), f.schema()));
          } else if (f.hasDefaultValue()) {
            out.put(f.pos(), GenericData.get().getDefaultValue(f));
          } else {
            throw new IllegalArgumentException("field " + f.name() + " has no value and no default");
          }
        }
        return out;
      }
      case ENUM -> {
        return new GenericData.EnumSymbol(target, value.toString());
      }
      case ARRAY -> {
        List<Object> out = new ArrayList<>();
        for (Object item : (Iterable<?>) value) {
          out.add(convert(item, target.getElementType()));
        }
        return out;
      }
      case MAP -> {
        Map<String, Object> out = new HashMap<>();
        ((Map<?, ?>) value).forEach((k, v) -> out.put(k.toString(), convert(v, target.getValueType())));
        return out;
      }
      default -> {
        return value;
      }
    }
  }

  private static boolean fits(Object value, Schema branch) {
    return switch (branch.getType()) {
      case RECORD -> value instanceof IndexedRecord r && r.getSchema().getName().equals(branch.getName());
      case ENUM -> value instanceof Enum<?> || value instanceof GenericData.EnumSymbol;
      case STRING -> value instanceof CharSequence;
      case BOOLEAN -> value instanceof Boolean;
      case INT -> value instanceof Integer;
      case LONG -> value instanceof Long;
      case FLOAT -> value instanceof Float;
      case DOUBLE -> value instanceof Double;
      case ARRAY -> value instanceof Iterable<?>;
      case MAP -> value instanceof Map<?, ?>;
      default -> true;
    };
  }
}
