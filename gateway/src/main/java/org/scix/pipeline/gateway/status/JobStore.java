package org.scix.pipeline.gateway.status;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.Env;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.RocksMemEnv;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.scix.pipeline.schemas.status.JobState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status view's storage: every job's {@link JobRecord} in RocksDB (off the Java heap, on
 * local disk), with the status-topic offsets it has applied written in the same atomic batch, so
 * a restarted gateway resumes from there instead of replaying the topic.
 *
 * <p>Keys (one column family, a prefix byte each): {@code J id} the record; {@code T submitted id}
 * the time index ListJobs pages through (value: state and task, to filter without a lookup);
 * {@code E ended id} the end index retention sweeps (value: partition); {@code O partition} the
 * next offset to read; {@code B batch 0 id} the batch index (value: state), which counts and pages
 * a batch's jobs; {@code M name} metadata (which topic the store mirrors, counts by status).
 *
 * <p>The write-ahead log is off: Kafka is the log. A crash loses at most the unflushed tail, and
 * the offsets with it (same batch), so a restart reads that tail again. One thread writes (the
 * status reader); any thread reads.
 */
public final class JobStore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobStore.class);
  private static final byte JOB = 'J';
  private static final byte BY_SUBMITTED = 'T';
  private static final byte BY_ENDED = 'E';
  private static final byte OFFSET = 'O';
  private static final byte META = 'M';
  private static final byte BY_BATCH = 'B';
  private static final byte[] IDENTITY_KEY = key(META, "identity");
  private static final byte[] COUNTS_KEY = key(META, "counts");
  /** Index entries one ListJobs page may pass over before it answers with what it found and a cursor. */
  static final int MAX_SCAN_PER_PAGE = 100_000;

  static {
    RocksDB.loadLibrary();
  }

  private final Path dir; // null: in memory
  private final Env env;
  private final LRUCache cache;
  private final Options options;
  private final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);
  private final RocksDB db;
  private final long[] counts = new long[JobState.values().length]; // written by the writer thread only

  private JobStore(Path dir, Env env) {
    this.dir = dir;
    this.env = env;
    this.cache = new LRUCache(32L << 20);
    this.options = new Options()
        .setCreateIfMissing(true)
        .setEnv(env)
        .setWriteBufferSize(16L << 20)
        .setMaxWriteBufferNumber(3)
        .setMaxBackgroundJobs(2)
        .setCompressionType(CompressionType.LZ4_COMPRESSION)
        .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(new BloomFilter(10)));
    try {
      this.db = RocksDB.open(options, dir == null ? "/status-view" : dir.toString());
    } catch (RocksDBException e) {
      close();
      throw new IllegalStateException("cannot open the status store at " + dir + ": " + e.getMessage()
          + (e.getMessage() != null && e.getMessage().contains("lock") ? " (is another gateway using it? give each its own "
          + "STATUS_STORE_DIR)" : ""), e);
    }
    byte[] stored = read(COUNTS_KEY);
    if (stored != null) {
      ByteBuffer buffer = ByteBuffer.wrap(stored);
      for (int i = 0; i < counts.length && buffer.remaining() >= 8; i++) {
        counts[i] = buffer.getLong();
      }
    }
  }

  /**
   * Opens (or creates) the store in {@code dir}. {@code identity} names what it mirrors (the
   * status topic's id): a store left by another topic or cluster is wiped, not trusted.
   */
  public static JobStore open(Path dir, String identity) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the status store directory " + dir, e);
    }
    JobStore store = new JobStore(dir, Env.getDefault());
    byte[] held = store.read(IDENTITY_KEY);
    String heldIdentity = held == null ? null : new String(held, StandardCharsets.UTF_8);
    if (identity.equals(heldIdentity)) {
      log.info("status store {}: {} job(s) held, resuming the status topic from {}", dir, store.size(), store.offsets());
      return store;
    }
    if (heldIdentity != null) {
      log.warn("status store {} mirrors {}, not {}: starting it afresh", dir, heldIdentity, identity);
    }
    store.close();
    deleteRecursively(dir);
    store = new JobStore(dir, Env.getDefault());
    store.write(IDENTITY_KEY, identity.getBytes(StandardCharsets.UTF_8));
    return store;
  }

  /** A store held in memory only (RocksDB's in-memory environment): for tests and throwaway views. */
  public static JobStore inMemory() {
    return new JobStore(null, new RocksMemEnv(Env.getDefault()));
  }

  public JobRecord get(String jobId) {
    byte[] value = read(key(JOB, jobId));
    return value == null ? null : JobRecord.decode(jobId, value);
  }

  /** The records of these jobs in one lookup; null where a job is unknown. */
  List<JobRecord> getAll(List<String> jobIds) {
    if (jobIds.isEmpty()) {
      return List.of(); // RocksDB asserts on an empty lookup
    }
    try {
      List<byte[]> values = db.multiGetAsList(jobIds.stream().map(id -> key(JOB, id)).toList());
      List<JobRecord> records = new ArrayList<>(jobIds.size());
      for (int i = 0; i < jobIds.size(); i++) {
        records.add(values.get(i) == null ? null : JobRecord.decode(jobIds.get(i), values.get(i)));
      }
      return records;
    } catch (RocksDBException e) {
      throw failure("reading", e);
    }
  }

  public long count(JobState state) {
    return counts[state.ordinal()];
  }

  public long size() {
    return Arrays.stream(counts).sum();
  }

  /** The next offset to read of each status-topic partition this store has applied. */
  public Map<Integer, Long> offsets() {
    Map<Integer, Long> offsets = new HashMap<>();
    try (ReadOptions read = new ReadOptions(); Slice lower = new Slice(new byte[] {OFFSET}); Slice upper = new Slice(new byte[] {OFFSET + 1});
        RocksIterator it = db.newIterator(read.setIterateLowerBound(lower).setIterateUpperBound(upper))) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        offsets.put(ByteBuffer.wrap(it.key(), 1, 4).getInt(), ByteBuffer.wrap(it.value()).getLong());
      }
    }
    return offsets;
  }

  /** Up to {@code limit} ended jobs whose end is before {@code endedBefore} (epoch millis), oldest first. */
  List<JobRecord> endedBefore(long endedBefore, int limit) {
    List<String> ids = new ArrayList<>();
    try (ReadOptions read = new ReadOptions(); Slice lower = new Slice(new byte[] {BY_ENDED});
        Slice upper = new Slice(timeKey(BY_ENDED, endedBefore, ""));
        RocksIterator it = db.newIterator(read.setIterateLowerBound(lower).setIterateUpperBound(upper))) {
      for (it.seekToFirst(); it.isValid() && ids.size() < limit; it.next()) {
        ids.add(idOfTimeKey(it.key()));
      }
    }
    return getAll(ids).stream().filter(r -> r != null && r.isTerminal()).toList();
  }

  /** One page of jobs, newest submitted first; see {@link JobQuery}. */
  public JobPage list(JobQuery query) {
    List<JobRecord> jobs = new ArrayList<>();
    byte[] start = query.after() != null ? timeKey(BY_SUBMITTED, query.after().submittedAt(), query.after().jobId())
        : timeKey(BY_SUBMITTED, query.to(), "");
    int scanned = 0;
    byte[] last = null;
    try (ReadOptions read = new ReadOptions(); Slice lower = new Slice(timeKey(BY_SUBMITTED, query.from(), ""));
        RocksIterator it = db.newIterator(read.setIterateLowerBound(lower))) {
      it.seekForPrev(start);
      if (it.isValid() && Arrays.equals(it.key(), start)) {
        it.prev(); // the cursor is the last job already returned
      }
      List<String> matching = new ArrayList<>();
      for (; it.isValid() && matching.size() < query.limit() && scanned < MAX_SCAN_PER_PAGE; it.prev(), scanned++) {
        last = it.key();
        if (query.matches(JobState.values()[it.value()[0]], new String(it.value(), 1, it.value().length - 1, StandardCharsets.UTF_8))) {
          matching.add(idOfTimeKey(last));
        }
      }
      getAll(matching).stream().filter(r -> r != null).forEach(jobs::add);
      boolean more = it.isValid();
      JobQuery.Cursor next = more && last != null ? new JobQuery.Cursor(ByteBuffer.wrap(last, 1, 8).getLong(), idOfTimeKey(last)) : null;
      return new JobPage(jobs, next, scanned);
    }
  }

  /** How many jobs of the batch are in each state, indexed by {@link JobState#ordinal}; all zero for an unknown batch. */
  public long[] batchCounts(String batchId) {
    long[] byState = new long[JobState.values().length];
    try (ReadOptions read = new ReadOptions(); Slice lower = new Slice(batchKey(batchId, ""));
        Slice upper = new Slice(batchUpperBound(batchId));
        RocksIterator it = db.newIterator(read.setIterateLowerBound(lower).setIterateUpperBound(upper))) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byState[it.value()[0]]++;
      }
    }
    return byState;
  }

  /** Up to {@code limit} jobs of the batch after job id {@code after} (null: from the first), in job id order, with their states. */
  public List<BatchEntry> batchJobs(String batchId, String after, int limit) {
    List<BatchEntry> found = new ArrayList<>();
    byte[] prefix = batchKey(batchId, "");
    try (ReadOptions read = new ReadOptions(); Slice lower = new Slice(prefix); Slice upper = new Slice(batchUpperBound(batchId));
        RocksIterator it = db.newIterator(read.setIterateLowerBound(lower).setIterateUpperBound(upper))) {
      if (after == null) {
        it.seekToFirst();
      } else {
        byte[] cursor = batchKey(batchId, after);
        it.seek(cursor);
        if (it.isValid() && Arrays.equals(it.key(), cursor)) {
          it.next();
        }
      }
      for (; it.isValid() && found.size() < limit; it.next()) {
        found.add(new BatchEntry(new String(it.key(), prefix.length, it.key().length - prefix.length, StandardCharsets.UTF_8),
            JobState.values()[it.value()[0]]));
      }
    }
    return found;
  }

  /** One job of a batch, as the batch index has it. */
  public record BatchEntry(String jobId, JobState state) {}

  /** Jobs whose id starts with {@code prefix} (at most {@code limit}), in id order. */
  public List<JobRecord> withIdPrefix(String prefix, int limit) {
    List<JobRecord> found = new ArrayList<>();
    byte[] start = key(JOB, prefix);
    try (ReadOptions read = new ReadOptions(); Slice lower = new Slice(start); Slice upper = new Slice(new byte[] {JOB + 1});
        RocksIterator it = db.newIterator(read.setIterateLowerBound(lower).setIterateUpperBound(upper))) {
      for (it.seekToFirst(); it.isValid() && found.size() < limit; it.next()) {
        String id = new String(it.key(), 1, it.key().length - 1, StandardCharsets.UTF_8);
        if (!id.startsWith(prefix)) {
          break;
        }
        found.add(JobRecord.decode(id, it.value()));
      }
    }
    return found;
  }

  /**
   * Per bucket of {@code bucketMillis} since {@code since}: jobs submitted, succeeded and failed
   * (by the time they were submitted or ended), from the indexes; at most {@code maxJobs} looked at.
   */
  public long[][] activity(long since, long bucketMillis, int buckets, int maxJobs) {
    long[][] counts = new long[3][buckets];
    try (ReadOptions read = new ReadOptions(); Slice lower = new Slice(timeKey(BY_SUBMITTED, since, ""));
        Slice upper = new Slice(new byte[] {BY_SUBMITTED + 1});
        RocksIterator it = db.newIterator(read.setIterateLowerBound(lower).setIterateUpperBound(upper))) {
      int seen = 0;
      for (it.seekToFirst(); it.isValid() && seen++ < maxJobs; it.next()) {
        int bucket = (int) ((ByteBuffer.wrap(it.key(), 1, 8).getLong() - since) / bucketMillis);
        if (bucket >= 0 && bucket < buckets) {
          counts[0][bucket]++;
        }
      }
    }
    List<String> ended = new ArrayList<>();
    try (ReadOptions read = new ReadOptions(); Slice lower = new Slice(timeKey(BY_ENDED, since, ""));
        Slice upper = new Slice(new byte[] {BY_ENDED + 1});
        RocksIterator it = db.newIterator(read.setIterateLowerBound(lower).setIterateUpperBound(upper))) {
      for (it.seekToFirst(); it.isValid() && ended.size() < maxJobs; it.next()) {
        ended.add(idOfTimeKey(it.key()));
      }
    }
    for (JobRecord job : getAll(ended)) {
      if (job != null && job.isTerminal()) {
        int bucket = (int) ((job.endedAt() - since) / bucketMillis);
        if (bucket >= 0 && bucket < buckets) {
          counts[job.state() == JobState.Success ? 1 : 2][bucket]++;
        }
      }
    }
    return counts;
  }

  /** Flushes memory to disk, so a restart finds everything applied so far (called at shutdown). */
  public void flush() {
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flush);
    } catch (RocksDBException e) {
      throw failure("flushing", e);
    }
  }

  public Batch batch() {
    return new Batch();
  }

  /** Changes applied together: job records with their index entries, offsets, counts. */
  public final class Batch implements AutoCloseable {
    private final WriteBatch writes = new WriteBatch();
    private final long[] deltas = new long[counts.length];

    /** Stores {@code after}, replacing {@code before} (null when the job is new). */
    public void put(JobRecord before, JobRecord after) {
      try {
        if (before != null) {
          removeIndexes(before);
        }
        writes.put(key(JOB, after.jobId()), after.encode());
        byte[] task = after.task() == null ? new byte[0] : after.task().getBytes(StandardCharsets.UTF_8);
        byte[] summary = new byte[1 + task.length];
        summary[0] = (byte) after.state().ordinal();
        System.arraycopy(task, 0, summary, 1, task.length);
        writes.put(timeKey(BY_SUBMITTED, after.submittedAt(), after.jobId()), summary);
        if (after.batchId() != null) {
          writes.put(batchKey(after.batchId(), after.jobId()), new byte[] {(byte) after.state().ordinal()});
        }
        if (after.isTerminal()) {
          writes.put(timeKey(BY_ENDED, after.endedAt(), after.jobId()), ByteBuffer.allocate(4).putInt(after.partition()).array());
        }
        deltas[after.state().ordinal()]++;
      } catch (RocksDBException e) {
        throw failure("writing", e);
      }
    }

    /** Forgets a job. */
    public void delete(JobRecord before) {
      try {
        removeIndexes(before);
        writes.delete(key(JOB, before.jobId()));
      } catch (RocksDBException e) {
        throw failure("writing", e);
      }
    }

    public void offset(int partition, long next) {
      try {
        writes.put(ByteBuffer.allocate(5).put(OFFSET).putInt(partition).array(), ByteBuffer.allocate(8).putLong(next).array());
      } catch (RocksDBException e) {
        throw failure("writing", e);
      }
    }

    private void removeIndexes(JobRecord before) throws RocksDBException {
      writes.delete(timeKey(BY_SUBMITTED, before.submittedAt(), before.jobId()));
      if (before.batchId() != null) {
        writes.delete(batchKey(before.batchId(), before.jobId()));
      }
      if (before.isTerminal()) {
        writes.delete(timeKey(BY_ENDED, before.endedAt(), before.jobId()));
      }
      deltas[before.state().ordinal()]--;
    }

    /** Writes everything atomically. */
    public void commit() {
      ByteBuffer stored = ByteBuffer.allocate(8 * counts.length);
      for (int i = 0; i < counts.length; i++) {
        stored.putLong(counts[i] + deltas[i]);
      }
      try {
        writes.put(COUNTS_KEY, stored.array());
        db.write(writeOptions, writes);
      } catch (RocksDBException e) {
        throw failure("writing", e);
      }
      for (int i = 0; i < counts.length; i++) {
        counts[i] += deltas[i];
      }
    }

    @Override
    public void close() {
      writes.close();
    }
  }

  private byte[] read(byte[] key) {
    try {
      return db.get(key);
    } catch (RocksDBException e) {
      throw failure("reading", e);
    }
  }

  private void write(byte[] key, byte[] value) {
    try {
      db.put(writeOptions, key, value);
    } catch (RocksDBException e) {
      throw failure("writing", e);
    }
  }

  private IllegalStateException failure(String doing, RocksDBException e) {
    return new IllegalStateException(doing + " the status store" + (dir == null ? "" : " at " + dir) + " failed: " + e.getMessage(), e);
  }

  private static byte[] batchKey(String batchId, String jobId) {
    return key(BY_BATCH, batchId + "\0" + jobId);
  }

  private static byte[] batchUpperBound(String batchId) {
    return key(BY_BATCH, batchId + "\1");
  }

  private static byte[] key(byte prefix, String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + bytes.length).put(prefix).put(bytes).array();
  }

  /** Prefix, then the time big-endian (so keys sort by time), then the job id. */
  private static byte[] timeKey(byte prefix, long millis, String jobId) {
    byte[] id = jobId.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(9 + id.length).put(prefix).putLong(Math.max(0, millis)).put(id).array();
  }

  private static String idOfTimeKey(byte[] key) {
    return new String(key, 9, key.length - 9, StandardCharsets.US_ASCII);
  }

  /** Deletes a store directory and everything in it (a wiped store, a temporary one at shutdown). */
  public static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clear the status store directory " + dir, e);
    }
  }

  @Override
  public void close() {
    if (db != null) {
      db.close();
    }
    writeOptions.close();
    options.close();
    cache.close();
    if (dir == null) {
      env.close();
    }
  }
}
