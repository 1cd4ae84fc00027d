package io.streamrt.jobs.model;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A UTF-8 text file with one text per line, as {@code --calibration} and {@code --texts} take it; blank lines are
 * skipped, line numbers are kept for messages.
 *
 * <pre>{@code
 * List<TextFile.Line> texts = TextFile.read(Path.of("texts.txt"), "--texts", 2);
 * }</pre>
 */
final class TextFile {

    /** One non-blank line: its 1-based number in the file and its text. */
    record Line(int number, String text) {}

    private TextFile() {}

    /**
     * Reads the non-blank lines.
     *
     * @param flag the option that named the file, for messages
     * @param atLeast the fewest texts the caller can work with
     * @throws IllegalArgumentException naming the file if it is missing, not UTF-8, or holds fewer texts
     */
    static List<Line> read(Path file, String flag, int atLeast) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("text file " + file + " (" + flag + ") does not exist (looked for "
                    + file.toAbsolutePath() + "): pass a UTF-8 text file with one text per line");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("text file " + file + " (" + flag + ") is not a regular file: pass a "
                    + "UTF-8 text file with one text per line, not a folder");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("text file " + file + " (" + flag + ") is not UTF-8 text: pass a "
                    + "UTF-8 text file with one text per line (is it a model or another binary file?)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read text file " + file + " (" + flag + "): " + e, e);
        }
        List<Line> texts = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i).strip();
            if (!text.isEmpty()) {
                texts.add(new Line(i + 1, text));
            }
        }
        if (texts.size() < atLeast) {
            throw new IllegalArgumentException("text file " + file + " (" + flag + ") holds " + texts.size()
                    + (texts.size() == 1 ? " text" : " texts") + " (blank lines are skipped), expected at least "
                    + atLeast + ": put one text per line, a few dozen varied sentences like those the model will see");
        }
        return List.copyOf(texts);
    }
}
