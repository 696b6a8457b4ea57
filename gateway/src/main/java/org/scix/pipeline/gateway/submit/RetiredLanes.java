package org.scix.pipeline.gateway.submit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionListing;
import org.scix.pipeline.core.config.KafkaSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fences the transactional ids of lanes a replica no longer runs. Starting a lane fences its
 * predecessor (initTransactions), but a replica restarted with fewer {@code SUBMIT_LANES} starts
 * no producer for its old higher lanes: a zombie of the previous process could still commit with
 * them. Kafka lists every transactional id it knows, so the ones of this instance above its lane
 * count are fenced with {@link Admin#fenceProducers} (KIP-618) before the submitter starts.
 */
public final class RetiredLanes {
  private static final Logger log = LoggerFactory.getLogger(RetiredLanes.class);

  private RetiredLanes() {}

  /** Fences lanes {@code lanes} and above of {@code instanceId}; returns the transactional ids fenced. */
  public static List<String> fence(KafkaSettings kafka, String instanceId, int lanes, Duration timeout) {
    Pattern lane = Pattern.compile(Pattern.quote(JobSubmitter.transactionalId(instanceId)) + "-lane(\\d+)");
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      List<String> retired = admin.listTransactions().all().get(timeout.toMillis(), TimeUnit.MILLISECONDS).stream()
          .map(TransactionListing::transactionalId)
          .filter(id -> {
            Matcher m = lane.matcher(id);
            return m.matches() && Integer.parseInt(m.group(1)) >= lanes;
          })
          .sorted().toList();
      if (!retired.isEmpty()) {
        admin.fenceProducers(retired).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        log.info("fenced the transactional ids of lanes this replica no longer runs: {}", retired);
      }
      return retired;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot fence the retired submit lanes of " + instanceId + ": " + e.getCause().getMessage(),
          e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka did not answer within " + timeout + " while fencing retired submit lanes", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while fencing retired submit lanes", e);
    }
  }
}
