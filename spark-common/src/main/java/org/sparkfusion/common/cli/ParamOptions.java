package org.sparkfusion.common.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;
import scala.Option;

/**
 * Command-line flags derived from a Spark ML stage's Params: {@code learningRate} becomes
 * {@code --learning-rate <number>}, with the Param's doc and default in the usage, its validator checking the value
 * and the type parsed once, here. Booleans take {@code --name}, {@code --name=false} and {@code --no-name}.
 * Only flags given on the command line are set, so everything else keeps the stage's own default.
 *
 * <pre>
 * ParamOptions fusefl = ParamOptions.of("FuseFL settings", new FuseFL())
 *     .exclude("featuresCol", "labelCol").alias("learningRate", "--lr").build();
 * ...
 * FuseFL est = fusefl.applyTo(new FuseFL());
 * </pre>
 */
public final class ParamOptions {

  private enum Kind { INT, LONG, FLOAT, DOUBLE, BOOLEAN, STRING, INT_ARRAY, DOUBLE_ARRAY, STRING_ARRAY }

  private record Binding(Param<Object> param, String flag, Kind kind, OptionSpec option, OptionSpec negation,
      Supplier<? extends Collection<String>> choices) {}

  private final String heading;
  private final Params defaults;
  private final List<Binding> bindings;
  /** The values given, by Param name: a stage's Params belong to that stage (its uid), so they are bound late. */
  private Map<String, Object> values = Map.of();

  private ParamOptions(String heading, Params defaults, List<Binding> bindings) {
    this.heading = heading;
    this.defaults = defaults;
    this.bindings = bindings;
  }

  /** Starts the flags of {@code stage}'s Params (its defaults are what the usage shows). */
  public static Builder of(String heading, Params stage) {
    return new Builder(heading, stage);
  }

  /** {@code learningRate} → {@code --learning-rate}. */
  public static String flag(String paramName) {
    StringBuilder sb = new StringBuilder("--");
    for (char c : paramName.toCharArray()) {
      if (Character.isUpperCase(c)) {
        sb.append('-').append(Character.toLowerCase(c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** The values given on the command line as Params of {@code stage}, e.g. for {@code fit(df, values)}. */
  public ParamMap valuesFor(Params stage) {
    ParamMap m = ParamMap.empty();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      m.put(stage.getParam(e.getKey()), e.getValue());
    }
    return m;
  }

  /** A copy of {@code stage} with the given flags set (the stage's defaults for the rest). */
  @SuppressWarnings("unchecked")
  public <P extends Params> P applyTo(P stage) {
    return (P) stage.copy(valuesFor(stage));
  }

  /** Whether the flag of {@code paramName} (or its negation) was given. */
  public boolean isGiven(String paramName) {
    for (Binding b : bindings) {
      if (b.param().name().equals(paramName)) {
        return values.containsKey(paramName);
      }
    }
    throw new IllegalArgumentException("no flag for Param " + paramName);
  }

  /** The flag of each Param with the default the usage shows for it (for tests and docs). */
  public Map<String, String> flagDefaults() {
    Map<String, String> m = new LinkedHashMap<>();
    for (Binding b : bindings) {
      m.put(b.flag(), defaultText(b));
    }
    return m;
  }

  void addTo(CommandSpec spec) {
    for (Binding b : bindings) {
      spec.addOption(b.option());
      if (b.negation() != null) {
        spec.addOption(b.negation());
      }
    }
  }

  /** Converts, checks and records the flags that were given; errors name the flag. */
  void bind(ParseResult result) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (Binding b : bindings) {
      boolean positive = result.hasMatchedOption(b.option());
      boolean negative = b.negation() != null && result.hasMatchedOption(b.negation());
      if (!positive && !negative) {
        continue;
      }
      String flag = b.flag();
      if (positive && negative) {
        throw new IllegalArgumentException("give either " + flag + " or --no-" + flag.substring(2) + ", not both");
      }
      Object value = negative ? Boolean.FALSE : convert(b, flag, (String) b.option().getValue());
      Boolean ok = (Boolean) b.param().isValid().apply(value);
      if (!ok) {
        throw new IllegalArgumentException("invalid value for " + flag + ": " + show(value) + " (" + b.param().doc() + ")");
      }
      m.put(b.param().name(), value);
    }
    values = m;
  }

  private static Object convert(Binding b, String flag, String raw) {
    String v = raw.trim();
    try {
      Object out = switch (b.kind()) {
        case INT -> Integer.valueOf(v.replace("_", ""));
        case LONG -> Long.valueOf(v.replace("_", ""));
        case FLOAT -> finite(flag, Float.parseFloat(v));
        case DOUBLE -> finite(flag, Double.parseDouble(v));
        case BOOLEAN -> parseBoolean(flag, v);
        case STRING -> v;
        case INT_ARRAY -> split(v).stream().mapToInt(Integer::parseInt).toArray();
        case DOUBLE_ARRAY -> split(v).stream().mapToDouble(Double::parseDouble).toArray();
        case STRING_ARRAY -> split(v).toArray(new String[0]);
      };
      if (b.choices() != null) {
        Collection<String> allowed = b.choices().get();
        if (!allowed.contains(v)) {
          throw new IllegalArgumentException("invalid value for " + flag + ": '" + v + "' (one of "
              + String.join(", ", allowed) + ")");
        }
      }
      return out;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid value for " + flag + ": '" + raw + "' is not " + article(b.kind()));
    }
  }

  private static Object finite(String flag, double x) {
    if (!Double.isFinite(x)) {
      throw new IllegalArgumentException("invalid value for " + flag + ": " + x + " (a finite number is needed)");
    }
    return x;
  }

  private static Object finite(String flag, float x) {
    if (!Float.isFinite(x)) {
      throw new IllegalArgumentException("invalid value for " + flag + ": " + x + " (a finite number is needed)");
    }
    return x;
  }

  private static Boolean parseBoolean(String flag, String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      default -> throw new IllegalArgumentException("invalid value for " + flag + ": '" + v + "' (true or false)");
    };
  }

  private static List<String> split(String v) {
    if (v.isEmpty()) {
      return List.of();
    }
    List<String> parts = new ArrayList<>();
    for (String p : v.split(",")) {
      parts.add(p.trim());
    }
    return parts;
  }

  private static String article(Kind k) {
    return switch (k) {
      case INT, LONG -> "a whole number";
      case FLOAT, DOUBLE -> "a number";
      case INT_ARRAY -> "a comma-separated list of whole numbers";
      case DOUBLE_ARRAY -> "a comma-separated list of numbers";
      default -> "valid";
    };
  }

  private static String show(Object v) {
    if (v instanceof int[] a) {
      return Arrays.toString(a);
    }
    if (v instanceof double[] a) {
      return Arrays.toString(a);
    }
    if (v instanceof Object[] a) {
      return Arrays.toString(a);
    }
    return v instanceof String ? "'" + v + "'" : String.valueOf(v);
  }

  private String defaultText(Binding b) {
    return defaultText(defaults, b.param());
  }

  private static String defaultText(Params defaults, Param<?> p) {
    Option<?> d = defaults.getDefault(p);
    if (d.isEmpty()) {
      return null;
    }
    Object v = d.get();
    if (v instanceof int[] a) {
      return joined(Arrays.stream(a).mapToObj(String::valueOf).toList());
    }
    if (v instanceof double[] a) {
      return joined(Arrays.stream(a).mapToObj(String::valueOf).toList());
    }
    if (v instanceof String[] a) {
      return joined(Arrays.asList(a));
    }
    return String.valueOf(v);
  }

  private static String joined(List<String> parts) {
    return String.join(",", parts);
  }

  /** Declares which Params become flags and under which extra names. */
  public static final class Builder {
    private final String heading;
    private final Params stage;
    private final Set<String> excluded = new HashSet<>();
    private final Map<String, List<String>> aliases = new LinkedHashMap<>();
    private final Map<String, Supplier<? extends Collection<String>>> choices = new LinkedHashMap<>();

    private Builder(String heading, Params stage) {
      this.heading = heading;
      this.stage = stage;
    }

    /** Params that get no flag (columns the job sets itself, settings it derives). */
    public Builder exclude(String... paramNames) {
      excluded.addAll(List.of(paramNames));
      return this;
    }

    /** Extra flag names for a Param, e.g. today's {@code --lr} for {@code learningRate}. */
    public Builder alias(String paramName, String... flags) {
      aliases.computeIfAbsent(paramName, k -> new ArrayList<>()).addAll(List.of(flags));
      return this;
    }

    /** The allowed values of a string Param, from their source of truth (listed in the usage, checked). */
    public Builder values(String paramName, Supplier<? extends Collection<String>> allowed) {
      choices.put(paramName, allowed);
      return this;
    }

    @SuppressWarnings("unchecked")
    public ParamOptions build() {
      Set<String> known = new HashSet<>();
      List<Binding> bindings = new ArrayList<>();
      for (Param<?> p : stage.params()) {
        known.add(p.name());
        if (excluded.contains(p.name())) {
          continue;
        }
        Kind kind = kindOf(p);
        List<String> names = new ArrayList<>();
        names.add(flag(p.name()));
        names.addAll(aliases.getOrDefault(p.name(), List.of()));
        Supplier<? extends Collection<String>> allowed = choices.get(p.name());
        String def = defaultText(stage, p);
        List<String> description = new ArrayList<>();
        description.add(p.doc() + (allowed == null ? "" : " (one of: " + String.join(", ", allowed.get()) + ")")
            + (def == null ? "" : " (default: " + (def.isEmpty() ? "none" : def) + ")"));
        OptionSpec.Builder ob = OptionSpec.builder(names.toArray(new String[0])).type(String.class)
            .paramLabel(label(kind, allowed)).description(description.toArray(new String[0]));
        if (kind == Kind.BOOLEAN) {
          ob.arity("0..1").fallbackValue("true").paramLabel("true|false");
        } else {
          ob.arity("1");
        }
        OptionSpec negation = null;
        if (kind == Kind.BOOLEAN) {
          List<String> neg = new ArrayList<>();
          for (String n : names) {
            neg.add("--no-" + n.substring(2));
          }
          negation = OptionSpec.builder(neg.toArray(new String[0])).arity("0").type(boolean.class)
              .description("the same as " + names.get(0) + "=false").build();
        }
        bindings.add(new Binding((Param<Object>) p, names.get(0), kind, ob.build(), negation, allowed));
      }
      for (String name : concat(excluded, aliases.keySet(), choices.keySet())) {
        if (!known.contains(name)) {
          throw new IllegalStateException(stage.getClass().getSimpleName() + " has no Param " + name);
        }
      }
      return new ParamOptions(heading, stage, bindings);
    }

    private static Set<String> concat(Collection<String> a, Collection<String> b, Collection<String> c) {
      Set<String> s = new HashSet<>(a);
      s.addAll(b);
      s.addAll(c);
      return s;
    }

    private Kind kindOf(Param<?> p) {
      if (p instanceof IntParam) {
        return Kind.INT;
      }
      if (p instanceof LongParam) {
        return Kind.LONG;
      }
      if (p instanceof FloatParam) {
        return Kind.FLOAT;
      }
      if (p instanceof DoubleParam) {
        return Kind.DOUBLE;
      }
      if (p instanceof BooleanParam) {
        return Kind.BOOLEAN;
      }
      if (p instanceof IntArrayParam) {
        return Kind.INT_ARRAY;
      }
      if (p instanceof DoubleArrayParam) {
        return Kind.DOUBLE_ARRAY;
      }
      if (p instanceof StringArrayParam) {
        return Kind.STRING_ARRAY;
      }
      Option<?> d = stage.getDefault(p);
      if (d.isEmpty() || d.get() instanceof String) {
        return Kind.STRING;
      }
      throw new IllegalStateException("Param " + p.name() + " of " + stage.getClass().getSimpleName()
          + " has a type the command line cannot take (" + d.get().getClass().getSimpleName() + "); exclude it");
    }

    private static String label(Kind kind, Supplier<? extends Collection<String>> allowed) {
      if (allowed != null) {
        return String.join("|", allowed.get());
      }
      return switch (kind) {
        case INT, LONG -> "<int>";
        case FLOAT, DOUBLE -> "<number>";
        case INT_ARRAY -> "<int,...>";
        case DOUBLE_ARRAY -> "<number,...>";
        case STRING_ARRAY -> "<text,...>";
        default -> "<text>";
      };
    }
  }

  @Override
  public String toString() {
    return heading + ": " + bindings.size() + " flags";
  }
}
