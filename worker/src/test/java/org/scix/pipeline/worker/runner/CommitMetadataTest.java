package org.scix.pipeline.worker.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class CommitMetadataTest {
  @Test
  void doneOffsetsTravelAsRangesRelativeToTheCommittedOffsetAndComeBackExactly() {
    TreeSet<Long> done = new TreeSet<>(List.of(101L, 102L, 103L, 105L, 110L, 111L));
    LinkedHashSet<String> ids = new LinkedHashSet<>(List.of("0123456789abcdef", "fedcba9876543210"));
    String encoded = new CommitMetadata(done, ids).encode(100);

    assertThat(encoded).isEqualTo("v1|d=1-3,5,10-11|j=0123456789abcdef,fedcba9876543210");
    CommitMetadata decoded = CommitMetadata.decode(encoded, 100);
    assertThat(decoded.done()).containsExactlyElementsOf(done);
    assertThat(decoded.recent()).containsExactlyElementsOf(ids);
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
  void onlyTheMostRecentJobIdsAreKept() {
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      many.add(String.format("%016x", i));
    }
    LinkedHashSet<String> recent = CommitMetadata.withRecent(new LinkedHashSet<>(), many);
    assertThat(recent).hasSize(CommitMetadata.RECENT_IDS).startsWith(String.format("%016x", 36)).endsWith(String.format("%016x", 99));
    assertThat(new CommitMetadata(new TreeSet<>(), recent).encode(0).length()).isLessThan(CommitMetadata.MAX_CHARS);
  }
}
