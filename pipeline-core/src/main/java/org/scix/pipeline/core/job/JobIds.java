package org.scix.pipeline.core.job;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.Utils;

/** Job ids: 64 lowercase hex characters, as the original clients expect. */
public final class JobIds {
  private static final Pattern SHAPE = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern BATCH_SHAPE = Pattern.compile("[0-9a-f]{32}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private JobIds() {}

  /** A fresh, unguessable job id. */
  public static String random() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /**
   * A fresh, unguessable job id whose record, keyed by it, Kafka's default partitioner puts on
   * partition {@code partition} of a topic of {@code partitions}: 248 random bits, and a last byte
   * tried until the id's murmur2 hash falls there (16 tries on average for 16 partitions, each a
   * hash of 64 bytes).
   */
  public static String randomOnPartition(int partition, int partitions) {
    if (partition < 0 || partition >= partitions) {
      throw new IllegalArgumentException("partition " + partition + " is not one of " + partitions);
    }
    byte[] bytes = new byte[32];
    while (true) {
      RANDOM.nextBytes(bytes);
      byte[] ascii = HexFormat.of().formatHex(bytes).getBytes(StandardCharsets.US_ASCII);
      for (int last = 0; last < 256; last++) {
        ascii[62] = HEX_DIGITS[last >>> 4];
        ascii[63] = HEX_DIGITS[last & 0xf];
        if (Utils.toPositive(Utils.murmur2(ascii)) % partitions == partition) {
          return new String(ascii, StandardCharsets.US_ASCII);
        }
      }
    }
  }

  private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /**
   * The job id an idempotency key maps to in one window of time ({@code epochMillis / windowMillis}):
   * the same key gives the same job on every gateway replica, without shared state. A gateway
   * looks in the current and the previous window, so a repeat within one window length always
   * finds the job, and a repeat after two window lengths always makes a new one.
   */
  public static String forIdempotencyKey(String key, long window) {
    return sha256("idempotency-key:" + window + ":" + key);
  }

  /**
   * The id of the job that replays one dead letter ({@code ref} on {@code deadLetterTopic}, written
   * at {@code timestamp}): every replay of it, on any replica, makes the same job, so a repeated or
   * concurrent replay cannot run it twice. The timestamp keeps a recreated topic's refs apart.
   */
  public static String forReplay(String deadLetterTopic, String ref, long timestamp) {
    return sha256("replay:" + deadLetterTopic + ":" + ref + ":" + timestamp);
  }

  /**
   * The id of the job one tick of a schedule makes ({@code tick}: the tick's time, epoch ms): a
   * replica that fires a tick late or twice makes the same job, so each tick runs once.
   */
  public static String forScheduleTick(String schedule, long tick) {
    return sha256("schedule:" + tick + ":" + schedule);
  }

  /**
   * The id of job {@code index} (0-based, in the order the call gave them) of batch {@code batchId}:
   * the batch's jobs are known from its id alone, and a retried write of the same batch makes the same jobs.
   */
  public static String forBatchEntry(String batchId, long index) {
    return sha256("batch:" + batchId + ":" + index);
  }

  /**
   * The batch id an idempotency key maps to in one window of time, as {@link #forIdempotencyKey}
   * does for a job: a retried batch gets the same id, and so the same job ids, on every replica.
   */
  public static String forBatchIdempotencyKey(String key, long window) {
    return sha256("batch-idempotency-key:" + window + ":" + key).substring(0, 32);
  }

  /** A fresh batch id: 32 lowercase hex characters. */
  public static String randomBatchId() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  public static boolean isValidBatchId(String id) {
    return id != null && BATCH_SHAPE.matcher(id).matches();
  }

  private static String sha256(String text) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static boolean isValid(String id) {
    return id != null && SHAPE.matcher(id).matches();
  }
}
