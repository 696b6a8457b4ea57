package org.scix.pipeline.gateway.schedules;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.time.Instant;
import org.scix.pipeline.gateway.api.BlockingCalls;
import org.scix.pipeline.gateway.errors.InvalidRequestException;
import org.scix.pipeline.gateway.http.Json;
import org.scix.pipeline.schemas.avro.InvalidAvroException;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.grpc.AvroMarshaller;
import org.scix.pipeline.schemas.grpc.RawBytesMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.schemas.schedule.ScheduleDefinition;
import org.scix.pipeline.schemas.schedule.ScheduleInfo;
import org.scix.pipeline.schemas.schedule.ScheduleList;
import org.scix.pipeline.schemas.schedule.ScheduleName;

/**
 * The Schedules gRPC service, beside the original ones: the same operations as the JSON API
 * ({@link ScheduleAdmin}), in schemaless Avro. A definition is checked by the same rules, field by
 * field (INVALID_ARGUMENT naming it); an unknown name is NOT_FOUND.
 */
public final class ScheduleService {
  private final ScheduleAdmin schedules;
  private final BlockingCalls calls;
  private final SchemalessAvroCodec<ScheduleDefinition> definitions = SchemalessAvroCodec.of(ScheduleDefinition.class);
  private final SchemalessAvroCodec<ScheduleName> names = SchemalessAvroCodec.of(ScheduleName.class);

  public ScheduleService(ScheduleAdmin schedules, BlockingCalls calls) {
    this.schedules = schedules;
    this.calls = calls;
  }

  public ServerServiceDefinition definition() {
    var info = new AvroMarshaller<>(SchemalessAvroCodec.of(ScheduleInfo.class));
    var list = new AvroMarshaller<>(SchemalessAvroCodec.of(ScheduleList.class));
    return ServerServiceDefinition.builder(TemplateApi.SCHEDULES_SERVICE)
        .addMethod(TemplateApi.unary(TemplateApi.LIST_SCHEDULES_METHOD, RawBytesMarshaller.INSTANCE, list),
            ServerCalls.asyncUnaryCall((raw, observer) -> calls.answer(observer, () -> new ScheduleList(
                schedules.list().stream().map(l -> info(describe(l.spec().describe(), l.lastTick(), l.nextTick()))).toList()))))
        .addMethod(TemplateApi.unary(TemplateApi.CREATE_SCHEDULE_METHOD, RawBytesMarshaller.INSTANCE, info),
            ServerCalls.asyncUnaryCall((raw, observer) -> calls.answer(observer,
                () -> info(describe(schedules.create(json(decode(definitions, raw, "ScheduleDefinition"))).describe(), 0, 0)))))
        .addMethod(TemplateApi.unary(TemplateApi.PAUSE_SCHEDULE_METHOD, RawBytesMarshaller.INSTANCE, info),
            ServerCalls.asyncUnaryCall((raw, observer) -> calls.answer(observer,
                () -> info(describe(schedules.setPaused(name(raw), true).describe(), 0, 0)))))
        .addMethod(TemplateApi.unary(TemplateApi.RESUME_SCHEDULE_METHOD, RawBytesMarshaller.INSTANCE, info),
            ServerCalls.asyncUnaryCall((raw, observer) -> calls.answer(observer,
                () -> info(describe(schedules.setPaused(name(raw), false).describe(), 0, 0)))))
        .addMethod(TemplateApi.unary(TemplateApi.DELETE_SCHEDULE_METHOD, RawBytesMarshaller.INSTANCE, info),
            ServerCalls.asyncUnaryCall((raw, observer) -> calls.answer(observer,
                () -> info(describe(schedules.delete(name(raw)).describe(), 0, 0)))))
        .build();
  }

  private String name(byte[] raw) {
    return decode(names, raw, "ScheduleName").getName();
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> T decode(SchemalessAvroCodec<T> codec, byte[] raw, String what) {
    try {
      return codec.decode(raw);
    } catch (InvalidAvroException e) {
      throw new InvalidRequestException("malformed " + what + ": " + e.getMessage());
    }
  }

  /** The definition as the JSON API would have it: absent fields stay absent, so the same defaults apply. */
  private static ObjectNode json(ScheduleDefinition d) {
    ObjectNode node = Json.object().put("name", d.getName());
    putIfSet(node, "task", d.getTask());
    if (d.getIngest() != null) {
      node.put("ingest", d.getIngest());
    }
    putIfSet(node, "ingest_type", d.getIngestType());
    putIfSet(node, "daterange", d.getDaterange());
    putIfSet(node, "cron", d.getCron());
    putIfSet(node, "every", d.getEvery());
    putIfSet(node, "zone", d.getZone());
    putIfSet(node, "catch_up", d.getCatchUp());
    if (d.getMaxCatchUp() != null) {
      node.put("max_catch_up", d.getMaxCatchUp());
    }
    if (d.getPaused() != null) {
      node.put("paused", d.getPaused());
    }
    putIfSet(node, "priority", d.getPriority());
    return node;
  }

  private static void putIfSet(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }

  /** A described schedule (as the JSON API shows it) with its last and next tick (epoch ms; 0 or MAX: none). */
  private static ObjectNode describe(ObjectNode described, long lastTick, long nextTick) {
    described.put("last_tick", lastTick > 0 ? Instant.ofEpochMilli(lastTick).toString() : null);
    described.put("next_tick", nextTick > 0 && nextTick < Long.MAX_VALUE ? Instant.ofEpochMilli(nextTick).toString() : null);
    return described;
  }

  private static ScheduleInfo info(ObjectNode n) {
    ScheduleDefinition definition = new ScheduleDefinition(n.get("name").asText(), Json.text(n, "task"),
        n.hasNonNull("ingest") ? n.get("ingest").asBoolean() : null, Json.text(n, "ingest_type"), Json.text(n, "daterange"),
        Json.text(n, "cron"), Json.text(n, "every"), Json.text(n, "zone"), Json.text(n, "catch_up"),
        n.hasNonNull("max_catch_up") ? n.get("max_catch_up").asInt() : null, n.path("paused").asBoolean(false), Json.text(n, "priority"));
    return new ScheduleInfo(definition, Json.text(n, "created_at"), Json.text(n, "last_tick"), Json.text(n, "next_tick"));
  }
}
