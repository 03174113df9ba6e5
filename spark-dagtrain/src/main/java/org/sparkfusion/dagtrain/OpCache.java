package org.sparkfusion.dagtrain;

/** What an operator's forward keeps for its backward (one per node and micro-batch). */
final class OpCache {
  Object a;
  Object b;
  Object c;
}
