package org.scix.pipeline.gateway.schedules;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.scix.pipeline.gateway.errors.NotFoundException;
import org.scix.pipeline.gateway.submit.JobSubmitter;

/**
 * What callers do with schedules, whichever surface they use (JSON, gRPC, CLI): list, create or
 * replace, pause, resume, delete. Changes are written through the submit transactions to the
 * schedules topic, where the replica that owns the schedule picks them up.
 */
public final class ScheduleAdmin {
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(15);

  private final ScheduleCatalog catalog;
  private final JobSubmitter submitter;
  private final String topic;
  private final int partitions;

  public ScheduleAdmin(ScheduleCatalog catalog, JobSubmitter submitter, String topic, int partitions) {
    this.catalog = catalog;
    this.submitter = submitter;
    this.topic = topic;
    this.partitions = partitions;
  }

  /** Every schedule, with its last and next tick. */
  public List<ScheduleCatalog.Listed> list() {
    return catalog.list();
  }

  /**
   * Creates (or replaces) the schedule {@code definition} describes.
   *
   * @throws org.scix.pipeline.gateway.errors.InvalidRequestException naming the field that is wrong
   */
  public ScheduleSpec create(JsonNode definition) throws Exception {
    ScheduleSpec spec = ScheduleSpec.fromRequest(definition, catalog.now());
    write(spec.name(), "schedule " + spec.name() + " created", ScheduleRecords.schedule(topic, partitions, spec));
    return spec;
  }

  /**
   * Pauses or resumes a schedule; NOT_FOUND if there is none of that name. A schedule already so
   * is left alone: rewriting it would move its ticks' start (see {@link ScheduleRecords#definedAt})
   * and drop ticks an outage left to catch up.
   */
  public ScheduleSpec setPaused(String name, boolean paused) throws Exception {
    ScheduleSpec existing = existing(name);
    if (existing.paused() == paused) {
      return existing;
    }
    ScheduleSpec spec = existing.withPaused(paused);
    write(name, "schedule " + name + (paused ? " paused" : " resumed"), ScheduleRecords.schedule(topic, partitions, spec));
    return spec;
  }

  /** Deletes a schedule and its state; NOT_FOUND if there is none of that name. */
  public ScheduleSpec delete(String name) throws Exception {
    ScheduleSpec spec = existing(name);
    for (ProducerRecord<String, Object> tombstone : ScheduleRecords.deleted(topic, partitions, name)) {
      write(name, "schedule " + name + " deleted", tombstone);
    }
    return spec;
  }

  private ScheduleSpec existing(String name) {
    return catalog.get(name).orElseThrow(() -> new NotFoundException("no schedule " + name)).spec();
  }

  private void write(String name, String what, ProducerRecord<String, Object> record) throws Exception {
    submitter.write(name, what, record).get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
