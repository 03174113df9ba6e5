package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CompressionTest {

  @Test void everyAcceptedFormParsesToItsTypeAndBackToItsLabel() {
    assertThat(Compression.parse("none")).isEqualTo(new Compression.None());
    assertThat(Compression.parse(" NONE ")).isEqualTo(new Compression.None());
    assertThat(Compression.parse("int8")).isEqualTo(new Compression.Int8());
    assertThat(Compression.parse("AdaTopK")).isEqualTo(new Compression.AdaTopK());
    assertThat(Compression.parse("topk:0.1")).isEqualTo(new Compression.TopK(0.1));
    assertThat(Compression.parse("TopK:.25")).isEqualTo(new Compression.TopK(0.25));
    assertThat(Compression.parse("randomk:1")).isEqualTo(new Compression.RandomK(1));
    assertThat(Compression.parse("topk:0.10").label()).isEqualTo("topk:0.1");
    assertThat(Compression.parse("randomk:0.0001").label()).isEqualTo("randomk:0.0001");
    for (String s : new String[] {"none", "int8", "adatopk", "topk:0.1", "randomk:0.25"}) {
      assertThat(Compression.parse(s).label()).isEqualTo(s);
    }
    assertThat(Compression.names()).containsExactly("none", "topk:F", "randomk:F", "int8", "adatopk");
  }

  @Test void badValuesNameTheValueAndTheAllowedForms() {
    assertThatThrownBy(() -> Compression.parse("zip")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown compression 'zip' (expected none, topk:F, randomk:F, int8 or adatopk)");
    assertThatThrownBy(() -> Compression.parse("topk:x")).hasMessage("compression 'topk:x': fraction is not a number");
    assertThatThrownBy(() -> Compression.parse("randomk:0")).hasMessage("compression 'randomk:0': fraction must be in (0,1]");
    assertThatThrownBy(() -> Compression.parse("topk:1.5")).hasMessageContaining("(0,1]");
    assertThatThrownBy(() -> new Compression.TopK(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Compression.parse("adatopk").compressor()).hasMessageContaining("chosen per link");
  }

  @Test void fixedSettingsGiveTheirCompressorsAndAdaTopKIsPlannedPerLink() {
    assertThat(Compression.parse("topk:0.3").compressor()).isInstanceOf(Compressor.TopK.class);
    assertThat(Compression.parse("topk:0.3").compressor().fraction()).isEqualTo(0.3);
    assertThat(Compression.parse("randomk:0.2").compressor()).isInstanceOf(Compressor.RandomK.class);
    assertThat(Compression.parse("int8").compressor()).isInstanceOf(Compressor.Int8.class);
    assertThat(Compression.parse("none").compressor()).isInstanceOf(Compressor.Dense.class);
    assertThat(Compression.parse("topk:0.3").fixedFraction()).isEqualTo(0.3);
    assertThat(Compression.parse("int8").fixedFraction()).isEqualTo(1);
    assertThatThrownBy(() -> new Compression.AdaTopK().compressor()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("chosen per link");
    // AdaTopK's planned value is a wire fraction: 0.2 of fp32's bytes is below int8's, so top-k at the kept fraction
    // of that size; its gradients keep twice as much, which is more than int8's bytes, so they travel as int8
    LinkCompression ada = LinkCompression.forLink(new Compression.AdaTopK(), 0.2, false);
    assertThat(ada.activations()).isInstanceOf(Compressor.TopK.class);
    assertThat(ada.activationFraction()).isCloseTo(0.3375, within(1e-12));
    assertThat(ada.gradients()).isInstanceOf(Compressor.Int8.class);
    assertThat(ada.gradientFeedback()).isFalse();
    LinkCompression sparse = LinkCompression.forLink(new Compression.AdaTopK(), AdaptiveLadder.topkWire(0.1), true);
    assertThat(sparse.activationFraction()).isCloseTo(0.1, within(1e-12));
    assertThat(sparse.gradients().fraction()).isCloseTo(0.2, within(1e-12));
    assertThat(sparse.activationFeedback()).isTrue();
    assertThat(sparse.gradientFeedback()).isTrue();
    assertThat(LinkCompression.forLink(new Compression.AdaTopK(), 0.25, true).activations())
        .isInstanceOf(Compressor.Int8.class);
    assertThat(LinkCompression.forLink(new Compression.AdaTopK(), 0.25, true).activationFeedback()).isFalse();
    assertThat(LinkCompression.forLink(new Compression.AdaTopK(), 0.7, false).activations())
        .isInstanceOf(Compressor.Fp16.class);
    assertThat(LinkCompression.forLink(new Compression.AdaTopK(), 1, false).activations())
        .isInstanceOf(Compressor.Dense.class);
    LinkCompression fixed = LinkCompression.forLink(Compression.parse("topk:0.3"), 0.2, true);
    assertThat(fixed.activationFraction()).isEqualTo(0.3);
    assertThat(fixed.setting().label()).isEqualTo("topk:0.3");
  }

  @Test void plannerChoices() {
    assertThat(PlannerChoice.parse("opfence")).isEqualTo(PlannerChoice.OPFENCE);
    assertThat(PlannerChoice.parse(" Even")).isEqualTo(PlannerChoice.EVEN);
    assertThat(PlannerChoice.names()).containsExactly("opfence", "even");
    assertThatThrownBy(() -> PlannerChoice.parse("greedy")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown planner 'greedy' (expected opfence or even)");
    assertThatThrownBy(() -> new DagTrainer(Synthetic.model(4, 2, 4)).planner("greedy"))
        .hasMessage("unknown planner 'greedy' (expected opfence or even)");
    assertThatThrownBy(() -> new DagTrainer(Synthetic.model(4, 2, 4)).compression("zip")).hasMessageContaining("'zip'");
  }
}
