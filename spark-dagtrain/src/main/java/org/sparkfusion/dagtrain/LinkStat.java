package org.sparkfusion.dagtrain;

/** Traffic on one directed pipeline link during a run. */
record LinkStat(int from, int to, String fromExecutor, String toExecutor, long bytes, double keptFraction) { }
