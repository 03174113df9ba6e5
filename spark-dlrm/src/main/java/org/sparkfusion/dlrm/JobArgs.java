package org.sparkfusion.dlrm;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** {@code --flag value} / {@code --switch} command lines, with errors naming the flag. */
final class JobArgs {
  private final String command;
  private final Map<String, String> values = new HashMap<>();
  private final Set<String> switches = new HashSet<>();

  JobArgs(String command, String[] args, Set<String> valueFlags, Set<String> switchFlags, String usage) {
    this.command = command;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        v = a.substring(eq + 1);
        a = a.substring(0, eq);
      }
      if (a.equals("--help") || a.equals("-h")) {
        System.out.println(usage);
        System.exit(0);
      }
      if (switchFlags.contains(a)) {
        switches.add(a);
      } else if (valueFlags.contains(a)) {
        if (v == null) {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(command + ": " + a + " needs a value\n" + usage);
          }
          v = args[++i];
        }
        values.put(a, v);
      } else {
        throw new IllegalArgumentException(command + ": unknown argument " + a + "\n" + usage);
      }
    }
  }

  String required(String flag) {
    String v = values.get(flag);
    if (v == null) {
      throw new IllegalArgumentException(command + ": " + flag + " is required");
    }
    return v;
  }

  String get(String flag, String def) {
    return values.getOrDefault(flag, def);
  }

  boolean has(String flag) {
    return switches.contains(flag) || values.containsKey(flag);
  }

  long getLong(String flag, long def, long min) {
    String v = values.get(flag);
    if (v == null) {
      return def;
    }
    try {
      long x = Long.parseLong(v.replace("_", ""));
      if (x < min) {
        throw new IllegalArgumentException(command + ": " + flag + " must be >= " + min + ", got " + v);
      }
      return x;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(command + ": " + flag + " must be an integer, got " + v, e);
    }
  }

  String oneOf(String flag, String def, String... allowed) {
    String v = get(flag, def);
    if (v != null && !java.util.Arrays.asList(allowed).contains(v)) {
      throw new IllegalArgumentException(command + ": " + flag + " must be one of " + String.join("|", allowed)
          + ", got " + v);
    }
    return v;
  }
}
