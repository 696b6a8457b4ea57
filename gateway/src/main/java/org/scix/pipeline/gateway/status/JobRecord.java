package org.scix.pipeline.gateway.status;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.core.job.Priority;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;

/**
 * What the gateway knows of one job: its latest status and the time of each change, as folded
 * from the status topic. Times are epoch milliseconds, 0 when not (yet) known.
 *
 * @param partition the status-topic partition its events are on (where its tombstone goes)
 * @param attempt the latest attempt a worker reported (0 before any worker took it)
 * @param worker who wrote the latest status (a gateway for Pending, else a worker)
 * @param replayOf the dead-lettered job this one replays, or null
 * @param dueAt when a delayed job is due to be handed to the workers; 0 for a job that ran at once
 * @param priority the input topic the job went to
 * @param batchId the batch it was submitted in, or null
 * @param outputs where its outputs are, as its Success said; null if not said (not succeeded, or an older worker)
 * @param progress what its running task last reported (done of total, message); null before any report
 */
public record JobRecord(String jobId, JobState state, String task, int partition, long submittedAt, long startedAt, long endedAt,
    long updatedAt, int attempt, String worker, String errorReason, String traceparent, String replayOf, long dueAt, Priority priority,
    String batchId, OutputLocation outputs, Progress progress) {

  /** A running task's report: {@code done} of {@code total} (0: unknown), and a short message (may be null). */
  public record Progress(long done, long total, String message) {
    static Progress of(JobStatus event) {
      return event.getProgressDone() == null ? null
          : new Progress(event.getProgressDone(), event.getProgressTotal() == null ? 0 : event.getProgressTotal(), event.getProgressMessage());
    }
  }

  private static final byte FORMAT_BEFORE_DUE_TIMES = 1;
  private static final byte FORMAT_BEFORE_PRIORITIES = 2;
  private static final byte FORMAT_BEFORE_OUTPUTS = 3;
  private static final byte FORMAT_BEFORE_PROGRESS = 4;
  private static final byte FORMAT = 5;

  public boolean isTerminal() {
    return JobStates.isTerminal(state);
  }

  /** The record a first event starts. */
  public static JobRecord of(JobStatus event, int partition) {
    return new JobRecord(event.getJobId(), null, null, partition, 0, 0, 0, 0, 0, null, null, null, null, 0,
        Priority.ofEvent(event.getPriority()), event.getBatchId(), null, null).fold(event);
  }

  /**
   * This job after {@code event}, or {@code this} itself when the event changes nothing a reader
   * sees: the status moves only forward ({@link JobStates#fold}); a later attempt's Processing
   * updates the attempt and worker without moving the status.
   */
  public JobRecord fold(JobStatus event) {
    JobState next = event.getStatus();
    boolean moves = state == null || JobStates.canMove(state, next);
    boolean retry = !moves && state == next && next == JobState.Processing && event.getAttempt() > attempt;
    Progress reported = Progress.of(event);
    boolean progressed = !moves && !retry && state == JobState.Processing && next == JobState.Processing && reported != null
        && event.getAttempt() == attempt && !reported.equals(progress);
    if (progressed) {
      return new JobRecord(jobId, state, task, partition, submittedAt, startedAt, endedAt, millis(event.getTime()), attempt, worker,
          errorReason, traceparent, replayOf, dueAt, priority, batchId, outputs, reported);
    }
    if (!moves && !retry) {
      return this;
    }
    long time = millis(event.getTime());
    long submitted = first(submittedAt, millis(event.getSubmittedTime()), next == JobState.Pending ? time : 0);
    long started = first(startedAt, millis(event.getStartedTime()), next == JobState.Processing ? time : 0);
    OutputLocation located = OutputLocation.of(event);
    return new JobRecord(jobId, moves ? next : state, event.getTask() != null ? event.getTask() : task, partition,
        submitted != 0 ? submitted : time, started, JobStates.isTerminal(next) ? time : endedAt, time,
        Math.max(attempt, event.getAttempt()), event.getWorker(), event.getErrorReason(),
        event.getTraceparent() != null ? event.getTraceparent() : traceparent,
        event.getReplayOf() != null ? event.getReplayOf() : replayOf, first(dueAt, millis(event.getDueTime())),
        event.getPriority() != null ? Priority.ofEvent(event.getPriority()) : priority,
        event.getBatchId() != null ? event.getBatchId() : batchId,
        located != null ? located : outputs,
        reported != null ? reported : retry || JobStates.isTerminal(next) ? null : progress);
  }

  /** A delayed job not handed to the workers yet, as far as the status topic tells (a worker's event says it was). */
  public boolean isWaitingForDueTime() {
    return dueAt > 0 && state == JobState.Pending;
  }

  /** The event that ended this job, as its writer wrote it (time, attempt, writer, reason). Ended jobs only. */
  public JobStatus endEvent() {
    if (!isTerminal()) {
      throw new IllegalStateException("job " + jobId + " has not ended");
    }
    JobStatus end = JobStatus.newBuilder().setJobId(jobId).setStatus(state).setTask(task).setTime(Instant.ofEpochMilli(endedAt))
        .setAttempt(attempt).setWorker(worker).setErrorReason(errorReason).setTraceparent(traceparent)
        .setSubmittedTime(submittedAt > 0 ? Instant.ofEpochMilli(submittedAt) : null)
        .setStartedTime(startedAt > 0 ? Instant.ofEpochMilli(startedAt) : null).setReplayOf(replayOf)
        .setDueTime(dueAt > 0 ? Instant.ofEpochMilli(dueAt) : null)
        .setPriority(priority == Priority.BULK ? priority.wireName() : null).setBatchId(batchId).build();
    if (outputs != null) {
      outputs.writeTo(end);
    }
    return end;
  }

  /** Whether moving from {@code before} to this changed the status (what stream listeners are told of). */
  public boolean movedFrom(JobRecord before) {
    return before == null || before.state != state;
  }

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeByte(state.ordinal());
      out.writeInt(partition);
      out.writeLong(submittedAt);
      out.writeLong(startedAt);
      out.writeLong(endedAt);
      out.writeLong(updatedAt);
      out.writeInt(attempt);
      writeNullable(out, task);
      writeNullable(out, worker);
      writeNullable(out, errorReason);
      writeNullable(out, traceparent);
      writeNullable(out, replayOf);
      out.writeLong(dueAt);
      out.writeByte(priority.ordinal());
      writeNullable(out, batchId);
      out.writeBoolean(progress != null);
      if (progress != null) {
        out.writeLong(progress.done());
        out.writeLong(progress.total());
        writeNullable(out, progress.message());
      }
      out.writeBoolean(outputs != null);
      if (outputs != null) {
        out.writeInt(outputs.partition());
        out.writeInt(outputs.count());
        out.writeLong(outputs.firstOffset());
        out.writeLong(outputs.lastOffset());
        out.writeInt(outputs.offsets() == null ? -1 : outputs.offsets().length);
        if (outputs.offsets() != null) {
          for (long offset : outputs.offsets()) {
            out.writeLong(offset);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static JobRecord decode(String jobId, byte[] value) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
      byte format = in.readByte();
      if (format < FORMAT_BEFORE_DUE_TIMES || format > FORMAT) {
        throw new IllegalStateException("job record of " + jobId + " has unknown format " + format);
      }
      JobState state = JobState.values()[in.readByte()];
      int partition = in.readInt();
      long submitted = in.readLong();
      long started = in.readLong();
      long ended = in.readLong();
      long updated = in.readLong();
      int attempt = in.readInt();
      String task = readNullable(in);
      String worker = readNullable(in);
      String errorReason = readNullable(in);
      String traceparent = readNullable(in);
      String replayOf = readNullable(in);
      long due = format >= FORMAT_BEFORE_PRIORITIES ? in.readLong() : 0;
      Priority priority = format >= FORMAT_BEFORE_OUTPUTS ? Priority.values()[in.readByte()] : Priority.INTERACTIVE;
      String batchId = format >= FORMAT_BEFORE_OUTPUTS ? readNullable(in) : null;
      Progress progress = format >= FORMAT && in.readBoolean() ? new Progress(in.readLong(), in.readLong(), readNullable(in)) : null;
      OutputLocation outputs = null;
      if (format >= FORMAT_BEFORE_PROGRESS && in.readBoolean()) {
        int outputPartition = in.readInt();
        int count = in.readInt();
        long first = in.readLong();
        long last = in.readLong();
        int listed = in.readInt();
        long[] offsets = listed < 0 ? null : new long[listed];
        for (int i = 0; i < listed; i++) {
          offsets[i] = in.readLong();
        }
        outputs = new OutputLocation(outputPartition, count, first, last, offsets);
      }
      return new JobRecord(jobId, state, task, partition, submitted, started, ended, updated, attempt, worker, errorReason, traceparent,
          replayOf, due, priority, batchId, outputs, progress);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long millis(Instant time) {
    return time == null ? 0 : time.toEpochMilli();
  }

  private static long first(long... candidates) {
    for (long c : candidates) {
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private static void writeNullable(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s.length() > 4096 ? s.substring(0, 4096) : s);
    }
  }

  private static String readNullable(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }
}
