package io.streamrt.jobs.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A SQL script cut into the statements Flink's {@code executeSql} takes one at a time: split at semicolons outside
 * quotes, back-quoted names and comments; an {@code EXECUTE STATEMENT SET BEGIN ... END} block stays one statement.
 *
 * <pre>{@code
 * List<String> statements = SqlScript.statements("CREATE MODEL m ...; SELECT * FROM ML_PREDICT(...);");
 * }</pre>
 */
public final class SqlScript {

    private SqlScript() {}

    /** The script's statements, trimmed, without their semicolons; comments-only pieces are dropped. */
    public static List<String> statements(String script) {
        List<String> pieces = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean meaningful = false;
        int i = 0;
        while (i < script.length()) {
            char c = script.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                int end = closing(script, i, c);
                current.append(script, i, end);
                meaningful = true;
                i = end;
            } else if (script.startsWith("--", i)) {
                int end = script.indexOf('\n', i);
                i = end < 0 ? script.length() : end;
            } else if (script.startsWith("/*", i)) {
                int end = script.indexOf("*/", i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("a /* comment is never closed (at character " + i + ")");
                }
                i = end + 2;
                current.append(' ');
            } else if (c == ';') {
                if (meaningful) {
                    pieces.add(current.toString().trim());
                }
                current.setLength(0);
                meaningful = false;
                i++;
            } else {
                current.append(c);
                meaningful |= !Character.isWhitespace(c);
                i++;
            }
        }
        if (meaningful) {
            pieces.add(current.toString().trim());
        }
        return joinStatementSets(pieces);
    }

    /** The index just past the quote that closes the one at {@code start}; a doubled quote is an escaped one. */
    private static int closing(String script, int start, char quote) {
        int i = start + 1;
        while (i < script.length()) {
            if (script.charAt(i) == quote) {
                if (i + 1 < script.length() && script.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        throw new IllegalArgumentException("a " + quote + " quote opened at character " + start + " is never closed");
    }

    private static List<String> joinStatementSets(List<String> pieces) {
        List<String> statements = new ArrayList<>();
        StringBuilder set = null;
        for (String piece : pieces) {
            String normalized = piece.replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
            if (set == null && normalized.startsWith("EXECUTE STATEMENT SET BEGIN")) {
                set = new StringBuilder(piece).append(";\n");
            } else if (set != null && normalized.equals("END")) {
                statements.add(set.append("END").toString());
                set = null;
            } else if (set != null) {
                set.append(piece).append(";\n");
            } else {
                statements.add(piece);
            }
        }
        if (set != null) {
            throw new IllegalArgumentException("EXECUTE STATEMENT SET BEGIN has no END");
        }
        return statements;
    }
}
