package org.sparkfusion.common.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Parses a job's command line into its typed options and runs the job with the project's exit codes.
 *
 * <pre>
 * public static void main(String[] args) {
 *   Cli.main(new Options(), args, o -&gt; run(o));      // exits 0, 1 or 2
 * }
 * static void run(SparkSession spark, String... args) { run(spark, Cli.parse(new Options(), args)); } // tests, notebooks
 * </pre>
 *
 * Grammar (picocli): {@code --flag value} and {@code --flag=value}; booleans as {@code --flag}, {@code --flag=false}
 * or {@code --no-flag}; unknown, missing, malformed or invalid flags are usage errors naming the flag.
 */
public final class Cli {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  private Cli() {}

  /** A job's body, given its parsed options. */
  @FunctionalInterface
  public interface Body<T> {
    void run(T options) throws Exception;
  }

  /** A command whose options include Params-derived ones (added to the grammar before parsing). */
  public interface WithParams {
    List<ParamOptions> paramOptions();
  }

  /** A command whose options include flags for session keys (added to the grammar before parsing). */
  public interface WithConfig {
    List<ConfigOptions> configOptions();
  }

  /** A command with checks across its options (run after parsing; IllegalArgumentException = usage error). */
  public interface Checked {
    void check();
  }

  /**
   * Parses {@code args} into {@code options} and returns it. Usage errors and {@code --help} become an
   * {@link UsageException} (an IllegalArgumentException) whose one-line message names the flag.
   */
  public static <T> T parse(T options, String... args) {
    CommandLine cl = commandLine(options);
    String name = cl.getCommandName();
    try {
      ParseResult result = cl.parseArgs(args);
      if (cl.isUsageHelpRequested()) {
        throw new UsageException(name, "help requested", true);
      }
      bindParams(options, result);
      if (options instanceof Checked c) {
        c.check();
      }
      return options;
    } catch (ParameterException e) {
      throw new UsageException(name, firstLine(e.getMessage()), false);
    } catch (IllegalArgumentException e) {
      if (e instanceof UsageException) {
        throw e;
      }
      throw new UsageException(name, firstLine(e.getMessage()), false);
    }
  }

  /** Runs a job from {@code main}: parses, runs, prints a one-line error on failure and exits 0, 1 or 2. */
  public static <T> void main(T options, String[] args, Body<T> body) {
    int rc = run(options, args, body, System.out, System.err);
    System.out.flush();
    System.err.flush();
    System.exit(rc);
  }

  /** {@link #main} without the exit, writing to the given streams; returns the exit code. */
  public static <T> int run(T options, String[] args, Body<T> body, PrintStream out, PrintStream err) {
    String name = commandLine(options).getCommandName();
    boolean verbose = List.of(args).contains("--verbose");
    T parsed;
    try {
      parsed = parse(options, args);
    } catch (UsageException e) {
      if (e.helpRequested()) {
        out.print(usage(options));
        return OK;
      }
      err.println(e.getMessage() + " (see " + name + " --help)");
      return USAGE;
    }
    try {
      body.run(parsed);
      return OK;
    } catch (UsageException e) {
      err.println(e.getMessage() + " (see " + name + " --help)");
      if (verbose) {
        e.printStackTrace(err);
      }
      return USAGE;
    } catch (Throwable e) {
      err.println(name + ": " + JobErrors.oneLine(e));
      if (verbose) {
        e.printStackTrace(err);
      } else {
        err.println(name + ": run again with --verbose for the stack trace");
      }
      return FAILED;
    }
  }

  /** The generated usage text of a command (what {@code --help} prints and {@code docs/cli.md} holds). */
  public static String usage(Object options) {
    StringWriter text = new StringWriter();
    commandLine(options).usage(new PrintWriter(text, true), CommandLine.Help.Ansi.OFF);
    return text.toString();
  }

  /** The command's name ({@code @Command(name = ...)}). */
  public static String name(Object options) {
    return commandLine(options).getCommandName();
  }

  /** The command's one-line description (the first line of {@code @Command(description = ...)}). */
  public static String description(Object options) {
    String[] d = commandLine(options).getCommandSpec().usageMessage().description();
    return d.length == 0 ? "" : d[0];
  }

  static CommandLine commandLine(Object options) {
    CommandLine cl = new CommandLine(options);
    cl.setOverwrittenOptionsAllowed(true);  // the last of a repeated flag wins, as before
    cl.setAbbreviatedOptionsAllowed(false);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setUsageHelpWidth(110);
    cl.setUsageHelpLongOptionsMaxWidth(34);
    cl.getCommandSpec().usageMessage().abbreviateSynopsis(true);  // "[OPTIONS]": the flags are listed below
    CommandSpec spec = cl.getCommandSpec();
    if (options instanceof WithParams w) {
      for (ParamOptions p : w.paramOptions()) {
        p.addTo(spec);
      }
    }
    if (options instanceof WithConfig w) {
      for (ConfigOptions c : w.configOptions()) {
        c.addTo(spec);
      }
    }
    return cl;
  }

  private static void bindParams(Object options, ParseResult result) {
    if (options instanceof WithParams w) {
      for (ParamOptions p : w.paramOptions()) {
        p.bind(result);
      }
    }
    if (options instanceof WithConfig w) {
      for (ConfigOptions c : w.configOptions()) {
        c.bind(result);
      }
    }
  }

  static String firstLine(String message) {
    if (message == null) {
      return "invalid command line";
    }
    int nl = message.indexOf('\n');
    return (nl < 0 ? message : message.substring(0, nl)).strip();
  }

  /**
   * picocli converter for an enum whose values are spelled by their {@code toString()} ({@code criteo-tsv}); an
   * unknown value is a usage error listing the values (picocli names the flag). Subclass with a no-argument constructor per flag.
   */
  public abstract static class IdConverter<E> implements CommandLine.ITypeConverter<E> {
    private final E[] values;

    @SafeVarargs
    protected IdConverter(E... values) {
      this.values = values;
    }

    @Override
    public E convert(String value) {
      for (E v : values) {
        if (v.toString().equalsIgnoreCase(value.strip())) {
          return v;
        }
      }
      List<String> ids = new java.util.ArrayList<>();
      for (E v : values) {
        ids.add(v.toString());
      }
      throw new CommandLine.TypeConversionException("expected one of " + String.join(", ", ids) + ", got '" + value
          + "'");
    }
  }

  /** A usage error: exit code 2, a one-line message that starts with the command's name. */
  public static final class UsageException extends IllegalArgumentException {
    private final boolean help;

    UsageException(String command, String message, boolean help) {
      super(command + ": " + message);
      this.help = help;
    }

    /** A usage error raised by a job's own checks after parsing, e.g. two flags that contradict each other. */
    public static UsageException of(Object options, String message) {
      return new UsageException(name(options), message, false);
    }

    boolean helpRequested() {
      return help;
    }
  }
}
