package org.sparkfusion.dagtrain;

import java.util.Arrays;
import java.util.List;

/** Which planner places the stages, parsed once from its text ({@link #parse}) and passed on typed. */
enum PlannerChoice {
  /** OP-Fence: sites by bandwidth, exact DP over cuts, placement and stage count. */
  OPFENCE("opfence"),
  /** The baseline: equal node counts, stage i on task i (or on the listed hosts). */
  EVEN("even");

  /** The text form, as in --planner and the plan's JSON. */
  final String label;

  PlannerChoice(String label) {
    this.label = label;
  }

  static List<String> names() {
    return Arrays.stream(values()).map(p -> p.label).toList();
  }

  /** opfence | even (case and surrounding spaces ignored); IllegalArgumentException listing both otherwise. */
  static PlannerChoice parse(String text) {
    String s = text == null ? "" : text.trim().toLowerCase();
    for (PlannerChoice p : values()) {
      if (p.label.equals(s)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown planner '" + text + "' (expected opfence or even)");
  }
}
