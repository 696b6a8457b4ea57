package org.scix.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.avro.generic.GenericData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.scix.pipeline.schemas.serde.ConfluentAvroDeserializer;

/** Renders a Kafka record as one JSON object; undecodable values keep their bytes (base64) and the reason. */
final class RecordJson {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ConfluentAvroDeserializer<Object> values;

  RecordJson(ConfluentAvroDeserializer<Object> values) {
    this.values = values;
  }

  String render(ConsumerRecord<String, byte[]> record) {
    ObjectNode out = JSON.createObjectNode();
    out.put("topic", record.topic());
    out.put("partition", record.partition());
    out.put("offset", record.offset());
    out.put("timestamp", record.timestamp());
    out.put("key", record.key());
    ObjectNode headers = out.putObject("headers");
    for (Header header : record.headers()) {
      headers.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
    }
    if (record.value() == null) {
      out.putNull("value");
      return out.toString();
    }
    try {
      Object value = values.deserialize(record.topic(), record.value());
      out.set("value", JSON.readTree(GenericData.get().toString(value)));
    } catch (Exception e) {
      out.putNull("value");
      out.put("value_base64", Base64.getEncoder().encodeToString(record.value()));
      out.put("error", e.getMessage());
    }
    return out.toString();
  }
}
