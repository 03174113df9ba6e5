package org.sparkfusion.dlrm.core;

/** Lets tests in other packages load fixture networks. */
public final class DlrmNetworkTestAccess {
  private DlrmNetworkTestAccess() {}

  public static DlrmNetwork load(String fixture, Interaction interaction, boolean self) {
    return DlrmNetworkTest.load(fixture, interaction, self);
  }
}
