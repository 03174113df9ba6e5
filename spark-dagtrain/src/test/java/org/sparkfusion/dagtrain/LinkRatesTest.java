package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The link-emulation grammar: rates with optional round-trip times, per pair or for all. */
class LinkRatesTest {

  @Test void ratesAndRoundTripTimes() {
    String spec = "0-1:1gbit/10ms,0-2:8mbit/100ms,1-2:100mbit";
    double[][] r = LinkRates.parse(spec, 3);
    double[][] d = LinkRates.delays(spec, 3);
    assertThat(r[0][1]).isEqualTo(1e9 / 8);
    assertThat(r[2][0]).isEqualTo(8e6 / 8);
    assertThat(d[0][1]).isEqualTo(0.005);
    assertThat(d[1][0]).isEqualTo(0.005);
    assertThat(d[2][0]).isEqualTo(0.050);
    assertThat(d[1][2]).isZero();
    assertThat(LinkRates.delays("*:100mbit/40ms", 2)[1][0]).isEqualTo(0.020);
    assertThat(LinkRates.delays("", 2)[0][1]).isZero();
  }

  @Test void badRoundTripTimesNameTheSetting() {
    assertThatThrownBy(() -> LinkRates.delays("0-1:8mbit/100", 2)).hasMessageContaining("'100'")
        .hasMessageContaining(DagTrainConfig.LINK_RATES.key());
    assertThatThrownBy(() -> LinkRates.parse("0-1:8mbit/-5ms", 2)).hasMessageContaining("round-trip");
    assertThatThrownBy(() -> LinkRates.parse("0-1:8mbit/5min", 2)).hasMessageContaining("round-trip");
  }
}
