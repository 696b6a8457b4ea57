package org.scix.pipeline.worker.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class CommitMetadataTest {
  @Test
  void doneOffsetsTravelAsRangesRelativeToTheCommittedOffsetAndComeBackExactly() {
    TreeSet<Long> done = new TreeSet<>(List.of(101L, 102L, 103L, 105L, 110L, 111L));
    LinkedHashMap<String, Long> ids = new LinkedHashMap<>(Map.of("0123456789abcdef", 1_000_000L));
    ids.put("fedcba9876543210", 1_003_000L);
    String encoded = new CommitMetadata(done, ids).encode(100);

    assertThat(encoded).isEqualTo("v2|d=1-3,5,10-11|n=1003000|j=0123456789abcdef.3,fedcba9876543210.0");
    CommitMetadata decoded = CommitMetadata.decode(encoded, 100);
    assertThat(decoded.done()).containsExactlyElementsOf(done);
    assertThat(decoded.recent()).containsExactlyEntriesOf(ids);
  }

  @Test
  void idsOfTheFirstVersionAreReadAndKeptForAWindowFromTheNextCommit() {
    CommitMetadata decoded = CommitMetadata.decode("v1|d=|j=0123456789abcdef", 7);
    assertThat(decoded.recent()).containsOnlyKeys("0123456789abcdef");

    LinkedHashMap<String, Long> next = CommitMetadata.withRecent(decoded.recent(), Map.of("fedcba9876543210", 5_000_000L),
        Duration.ofSeconds(60));
    assertThat(next).containsEntry("0123456789abcdef", 5_000_000L).containsEntry("fedcba9876543210", 5_000_000L);
  }

  /**
   * Ids are kept by record time, not by count: a busy partition commits 64 jobs in well under a
   * second, while a racing second record of a keyed job can come seconds later (before, only the
   * last 64 ids were kept, so it ran again).
   */
  @Test
  void idsAreKeptForTheDuplicateWindowOfRecordTimeHoweverManyJobsCommitMeanwhile() {
    LinkedHashMap<String, Long> recent = CommitMetadata.withRecent(new LinkedHashMap<>(), Map.of("00000000000000aa", 10_000L),
        Duration.ofSeconds(60));
    for (int i = 0; i < 100; i++) {
      recent = CommitMetadata.withRecent(recent, Map.of(String.format("%016x", i), 10_000L + i * 100), Duration.ofSeconds(60));
    }
    assertThat(recent).containsKey("00000000000000aa");

    recent = CommitMetadata.withRecent(recent, Map.of("00000000000000bb", 10_000L + 60_001), Duration.ofSeconds(60));
    assertThat(recent).doesNotContainKey("00000000000000aa").containsKey("00000000000000bb");
  }

  @Test
  void metadataNotWrittenByThisVersionOrMalformedMeansStartFromTheOffsetAlone() {
    assertThat(CommitMetadata.decode(null, 5).done()).isEmpty();
    assertThat(CommitMetadata.decode("", 5).done()).isEmpty();
    assertThat(CommitMetadata.decode("someone else's", 5).done()).isEmpty();
    assertThat(CommitMetadata.decode("v1|d=3-x|j=", 5).done()).isEmpty();
    assertThat(CommitMetadata.decode("v1|d=0-99999999|j=", 5).done()).isEmpty(); // not a range we would write
  }

  @Test
  void atMostAFixedNumberOfIdsIsKeptSoTheMetadataAlwaysFits() {
    Map<String, Long> many = new LinkedHashMap<>();
    for (int i = 0; i < 500; i++) {
      many.put(String.format("%016x", i), 1_000_000L + i);
    }
    LinkedHashMap<String, Long> recent = CommitMetadata.withRecent(new LinkedHashMap<>(), many, Duration.ofSeconds(60));
    assertThat(recent).hasSize(CommitMetadata.MAX_RECENT_IDS).containsKey(String.format("%016x", 499))
        .doesNotContainKey(String.format("%016x", 0));
    assertThat(new CommitMetadata(new TreeSet<>(), recent).encode(0).length()).isLessThan(CommitMetadata.MAX_CHARS - 1000);
  }
}
