package io.streamrt.operators.internal;

import java.io.Serializable;

/**
 * How errors name where a record's texts come from, so a user reads the words of the API they wrote: the DataStream
 * operator's extractor functions, or a SQL model's INPUT columns.
 *
 * <pre>{@code
 * TextInputs.sql("review", null).empty(false, true)
 * // INPUT column `review` is NULL
 * }</pre>
 *
 * @param text what gives the text, as the subject of a sentence
 * @param pair what gives a pair's second text; null when the model takes single texts
 * @param columns whether they are SQL columns (which are NULL or blank) rather than functions (which return null)
 * @param remedy what to do about a missing text, after a semicolon
 */
public record TextInputs(String text, String pair, boolean columns, String remedy) implements Serializable {

    /** The DataStream operator: the builder's text (and pair) extractor functions. */
    public static final TextInputs EXTRACTORS = new TextInputs("the text extractor", "the text pair extractor",
            false, "filter such records before the inference operator");

    /**
     * A SQL model's INPUT columns.
     *
     * @param pair the second INPUT column, or null
     */
    public static TextInputs sql(String text, String pair) {
        String filter = "`" + text + "` IS NOT NULL AND TRIM(`" + text + "`) <> ''"
                + (pair == null ? "" : " AND `" + pair + "` IS NOT NULL AND TRIM(`" + pair + "`) <> ''");
        return new TextInputs("INPUT column `" + text + "`", pair == null ? null : "INPUT column `" + pair + "`",
                true, "filter such rows before ML_PREDICT, in a view it reads (WHERE " + filter + ")");
    }

    /** A record that has no description of its own: "a row" in SQL, "a record" otherwise. */
    String anonymous() {
        return columns ? "a row" : "a record";
    }

    /** Why a record cannot run: its text (or its pair's, when {@code pairText}) is null or blank. */
    String empty(boolean pairText, boolean isNull) {
        String source = pairText ? pair : text;
        return columns
                ? source + " is " + (isNull ? "NULL" : "blank")
                : source + " returned " + (isNull ? "null" : "a blank text");
    }
}
