package org.sparkfusion.dlrm.checkpoint;

import java.util.ArrayList;
import java.util.List;

/**
 * The header dict of a .npy file, parsed strictly: {@code {'descr': '<f4', 'fortran_order': False, 'shape': (a, b), }}
 * with the three keys in any order, each exactly once, a tuple of non-negative decimal ints, then only spaces and
 * one newline. Anything else is refused rather than guessed at (a regex would let a forged header carry a second
 * 'shape' or a dim such as -3 that multiplies with another negative one to a plausible size).
 */
record NpyHeader(String descr, boolean fortranOrder, long[] shape) {
  private static final int MAX_RANK = 32;

  static NpyHeader parse(String where, String header) {
    return new Parser(where, header).header();
  }

  private static final class Parser {
    private final String where;
    private final String s;
    private int p;

    Parser(String where, String s) {
      this.where = where;
      this.s = s;
    }

    NpyHeader header() {
      String descr = null;
      Boolean fortran = null;
      long[] shape = null;
      expect('{');
      while (true) {
        skipSpace();
        if (peek() == '}') {
          p++;
          break;
        }
        String key = string();
        expect(':');
        switch (key) {
          case "descr" -> {
            if (descr != null) {
              throw bad("key 'descr' appears twice");
            }
            descr = string();
          }
          case "fortran_order" -> {
            if (fortran != null) {
              throw bad("key 'fortran_order' appears twice");
            }
            fortran = bool();
          }
          case "shape" -> {
            if (shape != null) {
              throw bad("key 'shape' appears twice");
            }
            shape = tuple();
          }
          default -> throw bad("unexpected key '" + key + "'");
        }
        skipSpace();
        if (peek() == ',') {
          p++;
        } else if (peek() != '}') {
          throw bad("expected ',' or '}' at header offset " + p);
        }
      }
      if (descr == null || fortran == null || shape == null) {
        throw bad("missing key '" + (descr == null ? "descr" : fortran == null ? "fortran_order" : "shape") + "'");
      }
      while (p < s.length() && s.charAt(p) == ' ') {
        p++;
      }
      if (p != s.length() - 1 || s.charAt(p) != '\n') {
        throw bad("unexpected text after the header dict");
      }
      return new NpyHeader(descr, fortran, shape);
    }

    private long[] tuple() {
      expect('(');
      List<Long> dims = new ArrayList<>();
      while (true) {
        skipSpace();
        if (peek() == ')') {
          p++;
          break;
        }
        int from = p;
        while (p < s.length() && p - from <= 19 && Character.isDigit(s.charAt(p))) {
          p++;
        }
        if (p == from || p - from > 18) {
          throw bad("shape entry at header offset " + from + " is not a non-negative int below 10^18");
        }
        dims.add(Long.parseLong(s.substring(from, p)));
        if (dims.size() > MAX_RANK) {
          throw bad("shape has more than " + MAX_RANK + " dims");
        }
        skipSpace();
        if (peek() == ',') {
          p++;
        } else if (peek() != ')') {
          throw bad("expected ',' or ')' in the shape at header offset " + p);
        }
      }
      return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private boolean bool() {
      skipSpace();
      if (s.startsWith("True", p)) {
        p += 4;
        return true;
      }
      if (s.startsWith("False", p)) {
        p += 5;
        return false;
      }
      throw bad("fortran_order is neither True nor False");
    }

    private String string() {
      skipSpace();
      char q = peek();
      if (q != '\'' && q != '"') {
        throw bad("expected a quoted string at header offset " + p);
      }
      int end = s.indexOf(q, p + 1);
      if (end < 0 || end - p > 64) {
        throw bad("unterminated or overlong string at header offset " + p);
      }
      String v = s.substring(p + 1, end);
      p = end + 1;
      return v;
    }

    private void expect(char c) {
      skipSpace();
      if (peek() != c) {
        throw bad("expected '" + c + "' at header offset " + p);
      }
      p++;
    }

    private char peek() {
      if (p >= s.length()) {
        throw bad("header ends early");
      }
      return s.charAt(p);
    }

    private void skipSpace() {
      while (p < s.length() && s.charAt(p) == ' ') {
        p++;
      }
    }

    private CheckpointFormatException bad(String what) {
      String shown = s.length() > 120 ? s.substring(0, 120) + "..." : s;
      // Control characters are shown as '?' in the detail (a key read from the file) as in the header itself:
      // the error must stay one line whatever the file holds.
      return new CheckpointFormatException(where + ": malformed .npy header (" + printable(what) + "): "
          + printable(shown.strip()));
    }

    private static String printable(String text) {
      return text.replaceAll("[\\r\\n\\p{Cntrl}]", "?");
    }
  }
}
