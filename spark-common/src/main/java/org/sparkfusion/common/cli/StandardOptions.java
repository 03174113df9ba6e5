package org.sparkfusion.common.cli;

import picocli.CommandLine.Option;

/** Options every job takes: mix into a job's command with {@code @Mixin StandardOptions standard;}. */
public final class StandardOptions {
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "print this usage and exit")
  boolean help;

  @Option(names = "--verbose", description = "on failure, print the stack trace as well as the one-line error")
  boolean verbose;

  public boolean verbose() {
    return verbose;
  }
}
